"""After-sales in the Wagtail admin: every request, read with its history and
photos (township editors, aid officers, auditors); the escalated ones decided
by an editor (``decide``, over ``shop.aftersales.actions.decide``); and the
claims rate per producer (``claims_rate``). Registered in shop/wagtail_hooks.py."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_columns import YuanColumn
from core.admin_policies import ListersOnlyChooserViewSet, ReadOnlyPolicy
from core.money import format_yuan
from shop.aftersales import actions, selectors
from shop.aftersales.actions import AfterSalesError
from shop.aftersales.forms import DecisionForm
from shop.aftersales.models import AfterSalesRequest, Status

VIEW_PERMISSION = "shop.view_aftersalesrequest"

register_permission_policy(AfterSalesRequest, ReadOnlyPolicy(AfterSalesRequest))


class AfterSalesViewSet(SnippetViewSet):
    """Read only: requests change through the after-sales services."""

    model = AfterSalesRequest
    icon = "warning"
    chooser_viewset_class = ListersOnlyChooserViewSet  # buyers' claims
    menu_label = gettext_lazy("售后申请")
    menu_order = 151
    add_to_admin_menu = True
    inspect_view_enabled = True
    inspect_template_name = "shop/admin/aftersales_inspect.html"
    copy_view_enabled = False
    list_display = [
        "order",
        "line",
        "kind",
        "status",
        "quantity",
        YuanColumn("proposed_fen", label=gettext_lazy("提议退款"), sort_key="proposed_fen"),
        "respond_by",
        "created_at",
    ]
    list_filter = ["status", "kind"]


@permission_required(actions.DECIDE_PERMISSION, raise_exception=True)
def decide(request, request_id: int):
    aftersales = get_object_or_404(
        AfterSalesRequest.objects.select_related("order", "line"), pk=request_id
    )
    if aftersales.status != Status.ESCALATED:
        messages.error(request, _("只有申请了镇编辑介入的售后申请可以裁决。"))
        return redirect(_inspect_url(aftersales))
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = actions.decide(
                request_id=aftersales.pk,
                actor=request.user,
                amount_fen=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
            )
        except (AfterSalesError, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            refund = actions.send_refund(done)
            if refund is None:
                messages.success(request, _("已裁决不退款，申请已关闭。"))
            else:
                messages.success(
                    request,
                    _("已裁决退款 %(amount)s（%(status)s）。")
                    % {
                        "amount": format_yuan(refund.amount_fen),
                        "status": refund.get_status_display(),
                    },
                )
            return redirect(_inspect_url(aftersales))
    return TemplateResponse(
        request,
        "shop/admin/order_form.html",
        {
            "order": aftersales.order,
            "form": form,
            "title": _("裁决售后申请 %(id)s（最多可退 %(left)s）")
            % {
                "id": aftersales.pk,
                "left": format_yuan(aftersales.line.total_fen - aftersales.line.refunded_fen),
            },
        },
    )


@permission_required(VIEW_PERMISSION, raise_exception=True)
def claims_rate(request):
    return TemplateResponse(
        request,
        "shop/admin/claims_rate.html",
        {
            "title": _("售后率（近 90 天）"),
            "rows": selectors.claims_rate(since_days=90),
            "escalated": AfterSalesRequest.objects.filter(status=Status.ESCALATED)
            .select_related("order", "line")
            .order_by("respond_by"),
        },
    )


def _inspect_url(aftersales: AfterSalesRequest) -> str:
    return reverse("wagtailsnippets_shop_aftersalesrequest:inspect", args=[aftersales.pk])


class ClaimsRateMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return request.user.has_perm(VIEW_PERMISSION)


def menu_item() -> ClaimsRateMenuItem:
    return ClaimsRateMenuItem(
        gettext_lazy("售后率与待裁决"),
        reverse("shop_aftersales_overview"),
        name="shop-aftersales-overview",
        icon_name="warning",
        order=152,
    )


def urls() -> list:
    return [
        path("aftersales/overview/", claims_rate, name="shop_aftersales_overview"),
        path("aftersales/<int:request_id>/decide/", decide, name="shop_decide_aftersales"),
    ]
