"""Public pages of the notices (公示): the index, a notice, and its objection
form; thin views over ``notices``. Anyone may read them (DESIGN §8), and they
show only what a notice stores, which is masked by construction."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from . import notices
from .exceptions import NoticeError
from .models import Notice
from .notice_forms import ObjectionForm


def _published():
    return Notice.objects.filter(status=Notice.Status.PUBLISHED).select_related("village", "period")


def notice_index(request):
    published = _published().order_by("village__name", "village__pk", "-period__start")
    return TemplateResponse(request, "aid_accounting/notices/index.html", {"notices": published})


def notice_detail(request, notice_id: int):
    notice = get_object_or_404(_published(), pk=notice_id)
    form = None
    if notice.window_is_open():
        form = ObjectionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                notices.submit_objection(notice=notice, **form.cleaned_data)
            except NoticeError as error:
                # The window closed while the form was being filled in.
                form.add_error(None, str(error))
            else:
                messages.success(request, _("您的异议已提交，帮扶专员会尽快核实并与您联系。"))
                return redirect("notices:detail", notice.pk)
    return TemplateResponse(
        request,
        "aid_accounting/notices/detail.html",
        {"notice": notice, "rows": notice.rows.all(), "form": form},
    )
