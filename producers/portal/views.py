"""The producer portal's own pages: log-in, the start page, switching producer."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from producers.models import MemberProfile
from producers.portal.base import choose_producer, portal_context, portal_view, record_activity
from producers.portal.forms import NoticeChoiceForm, PortalLoginForm, SwitchProducerForm


def portal_login(request):
    if portal_context(request) is not None:
        return redirect("portal:home")
    form = PortalLoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            # Never redirect(next_url): a bare word there is taken for a view name and crashes.
            return HttpResponseRedirect(next_url)
        return redirect("portal:home")
    return render(
        request,
        "producers/portal/login.html",
        {"form": form, "next": request.GET.get("next") or request.POST.get("next", "")},
    )


@require_POST
def portal_logout(request):
    logout(request)
    return redirect("portal:login")


@portal_view
def portal_home(request):
    activities = request.portal.producer.portal_activities.select_related("user")[:10]
    profile = MemberProfile.objects.filter(user=request.user).first()
    return render(
        request, "producers/portal/home.html", {"activities": activities, "profile": profile}
    )


@portal_view
def notice_choice(request):
    """The member's own choice: it applies to every producer they act for."""
    profile = MemberProfile.objects.filter(user=request.user).first()
    form = NoticeChoiceForm(request.POST or None, instance=profile) if profile else None
    if request.method == "POST" and form is not None and form.is_valid():
        form.save()
        choice = dict(form.fields["daily_digest"].choices)[profile.daily_digest]
        record_activity(
            context=request.portal,
            user=request.user,
            action="notice_choice",
            summary=_("新订单通知改为：%(choice)s") % {"choice": choice},
        )
        messages.success(request, _("已保存。"))
        return redirect("portal:home")
    return render(request, "producers/portal/notice_choice.html", {"form": form})


@portal_view
@require_POST
def switch_producer(request):
    form = SwitchProducerForm(request.POST)
    producer = (
        choose_producer(request, producer_id=form.cleaned_data["producer"])
        if form.is_valid()
        else None
    )
    if producer is None:
        messages.error(request, _("您不能代表这个生产者操作。"))
    else:
        messages.success(request, _("现在代表 %(name)s 操作。") % {"name": producer.name})
    return redirect("portal:home")
