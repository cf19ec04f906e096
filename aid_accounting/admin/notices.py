"""The admin of public notices (公示): aid officers generate a closed period's
notices, review and publish them (action views calling ``notices``, which
checks the role itself too) and read the objections; auditors read notices.
Notices are written only by the service, so their listings are read-only
for everyone (``ReadOnlyPolicy``)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.widgets import HeaderButton
from wagtail.permissions import register_permission_policy

from aid_accounting.admin.viewsets import ActionIndexView, ReadOnlyViewSet
from aid_accounting.exceptions import AidAccountingError
from aid_accounting.notices import publication as notices
from aid_accounting.notices.models import Notice, NoticeObjection
from aid_accounting.periods.models import AccountingPeriod
from core.admin_columns import YuanColumn
from core.admin_policies import ReadOnlyPolicy

for read_only_model in (Notice, NoticeObjection):
    register_permission_policy(read_only_model, ReadOnlyPolicy(read_only_model))

PERMISSION = "aid_accounting.add_notice"


class GenerateNoticesForm(forms.Form):
    period = forms.ModelChoiceField(
        label=gettext_lazy("期间"),
        queryset=AccountingPeriod.objects.filter(status=AccountingPeriod.Status.CLOSED),
        empty_label=None,
    )


class PublishNoticeForm(forms.Form):
    window_days = forms.IntegerField(label=gettext_lazy("公示天数"), min_value=1, max_value=90)


class PublishMonthForm(forms.Form):
    period = forms.ModelChoiceField(
        label=gettext_lazy("期间"),
        # Only months with something to publish.
        queryset=AccountingPeriod.objects.filter(notices__status=Notice.Status.REVIEWED)
        .distinct()
        .order_by("-start"),
        empty_label=None,
    )
    window_days = forms.IntegerField(
        label=gettext_lazy("公示天数"),
        min_value=1,
        max_value=90,
        required=False,
        help_text=gettext_lazy("留空则按每份公示自己的天数。"),
    )


class ResolveObjectionForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("处理结果"),
        choices=[
            (NoticeObjection.Status.RESOLVED, NoticeObjection.Status.RESOLVED.label),
            (NoticeObjection.Status.UPHELD, NoticeObjection.Status.UPHELD.label),
        ],
    )
    note = forms.CharField(label=gettext_lazy("处理说明"), max_length=2000)


@permission_required(PERMISSION, raise_exception=True)
def generate(request):
    form = GenerateNoticesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = notices.generate_notices(
                period=form.cleaned_data["period"], actor=request.user
            )
        except AidAccountingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("已生成 %(count)d 份公示草稿。") % {"count": len(created)})
            return redirect("aid_notices:index")
    return TemplateResponse(
        request,
        "aid_accounting/admin/form.html",
        {"form": form, "title": _("生成公示"), "back_url": "aid_notices:index"},
    )


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def review(request, notice_id: int):
    notice = get_object_or_404(Notice, pk=notice_id)
    try:
        notices.review_notice(notice=notice, actor=request.user)
    except AidAccountingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("公示已审核。"))
    return redirect("aid_notices:inspect", notice.pk)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def publish(request, notice_id: int):
    notice = get_object_or_404(Notice, pk=notice_id)
    form = PublishNoticeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("公示天数应为1到90之间的整数。"))
        return redirect("aid_notices:inspect", notice.pk)
    try:
        notices.publish_notice(
            notice=notice, actor=request.user, window_days=form.cleaned_data["window_days"]
        )
    except AidAccountingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("公示已发布。"))
    return redirect("aid_notices:inspect", notice.pk)


@permission_required(PERMISSION, raise_exception=True)
def publish_month(request):
    """Publish a month's reviewed notices at once, each by the service as if
    published from its own page."""
    form = PublishMonthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = notices.publish_period_notices(
                period=form.cleaned_data["period"],
                actor=request.user,
                window_days=form.cleaned_data["window_days"],
            )
        except AidAccountingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("已发布 %(count)d 份公示。") % {"count": len(result.published)},
            )
            for notice, reason in result.refused:
                messages.warning(
                    request,
                    _("“%(notice)s”未发布：%(reason)s") % {"notice": notice, "reason": reason},
                )
            return redirect("aid_notices:index")
    return TemplateResponse(
        request,
        "aid_accounting/admin/form.html",
        {
            "form": form,
            "title": _("批量发布公示"),
            "back_url": "aid_notices:index",
            "intro": _(
                "发布所选期间全部已审核的公示，逐份发布；由您生成的公示须由另一位帮扶专员发布。"
            ),
        },
    )


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def resolve_objection(request, objection_id: int):
    objection = get_object_or_404(NoticeObjection, pk=objection_id)
    form = ResolveObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择处理结果并填写处理说明。"))
        return redirect("aid_notice_objections:inspect", objection.pk)
    try:
        notices.resolve_objection(
            objection=objection,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except AidAccountingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("异议已处理。"))
    return redirect("aid_notice_objections:inspect", objection.pk)


class NoticeIndexView(ActionIndexView):
    action_label = gettext_lazy("生成公示")
    action_url_name = "aid_generate_notices"
    action_permission = PERMISSION

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(PERMISSION):
            buttons.append(
                HeaderButton(
                    gettext_lazy("批量发布公示"),
                    url=reverse("aid_publish_month_notices"),
                    icon_name="upload",
                )
            )
        return buttons


class NoticeViewSet(ReadOnlyViewSet):
    model = Notice
    icon = "doc-full-inverse"
    menu_label = gettext_lazy("分配公示")
    index_view_class = NoticeIndexView
    inspect_template_name = "aid_accounting/admin/notice_inspect.html"
    list_display = [
        "__str__",
        "status",
        "household_count",
        YuanColumn("total_fen", label=gettext_lazy("合计"), sort_key="total_fen"),
        "published_at",
    ]
    list_filter = ["status", "village", "period"]


class NoticeObjectionViewSet(ReadOnlyViewSet):
    model = NoticeObjection
    icon = "warning"
    menu_label = gettext_lazy("公示异议")
    inspect_template_name = "aid_accounting/admin/objection_inspect.html"
    list_display = ["notice", "row", "status", "name", "contact", "created_at"]
    list_filter = ["status", "notice__village"]


class NoticeGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("公示")
    menu_icon = "doc-full-inverse"
    menu_order = 320
    items = (NoticeViewSet("aid_notices"), NoticeObjectionViewSet("aid_notice_objections"))


def admin_urls() -> list:
    return [
        path("aid/notices/generate/", generate, name="aid_generate_notices"),
        path("aid/notices/publish-month/", publish_month, name="aid_publish_month_notices"),
        path("aid/notices/<int:notice_id>/review/", review, name="aid_review_notice"),
        path("aid/notices/<int:notice_id>/publish/", publish, name="aid_publish_notice"),
        path(
            "aid/notices/objections/<int:objection_id>/resolve/",
            resolve_objection,
            name="aid_resolve_objection",
        ),
    ]
