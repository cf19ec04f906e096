"""The gateways' daily statements (对账单) in the Wagtail admin: the list of
days, a day's differences, and the one thing a person does here, marking a
difference explained (``shop.payments.reconciliation.explain_difference``).

Wagtail's admin URLs already send anyone without admin access to the log-in
page; these views further need the statement permissions, which the
migration gives the roles that handle the shop's money."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.menu import MenuItem

from shop.admin.forms import ExplainDifferenceForm, StatementFilterForm
from shop.payments.gateway import GATEWAYS
from shop.payments.models import GatewayStatement, StatementDifference
from shop.payments.reconciliation import (
    NOTHING_TO_RECONCILE,
    ReconciliationError,
    explain_difference,
)

VIEW_PERMISSION = "shop.view_gatewaystatement"
EXPLAIN_PERMISSION = "shop.explain_statementdifference"
PER_PAGE = 30


@permission_required(VIEW_PERMISSION, raise_exception=True)
def statement_list(request):
    form = StatementFilterForm(
        request.GET or None,
        gateways=[name for name in GATEWAYS if name not in NOTHING_TO_RECONCILE],
        statuses=GatewayStatement.Status.choices,
    )
    statements = GatewayStatement.objects.filter(current=True).annotate(
        open_differences=Count("differences", filter=Q(differences__resolved_at__isnull=True))
    )
    if form.is_valid():
        if form.cleaned_data["gateway"]:
            statements = statements.filter(gateway=form.cleaned_data["gateway"])
        if form.cleaned_data["status"]:
            statements = statements.filter(status=form.cleaned_data["status"])
    page = Paginator(statements.order_by("-day", "gateway"), PER_PAGE).get_page(
        request.GET.get("p")
    )
    return TemplateResponse(
        request,
        "shop/admin/statements.html",
        {"title": _("对账单"), "form": form, "page": page},
    )


@permission_required(VIEW_PERMISSION, raise_exception=True)
def statement_detail(request, statement_id: int):
    statement = get_object_or_404(GatewayStatement, pk=statement_id)
    differences = list(statement.differences.select_related("resolved_by"))
    may_explain = statement.current and request.user.has_perm(EXPLAIN_PERMISSION)
    return TemplateResponse(
        request,
        "shop/admin/statement.html",
        {
            "title": _("对账单 %(gateway)s %(day)s")
            % {"gateway": statement.gateway, "day": statement.day.isoformat()},
            "statement": statement,
            # Each open difference with its own small form (its own field ids).
            "open_differences": [
                (d, ExplainDifferenceForm(auto_id=f"id_%s_{d.pk}") if may_explain else None)
                for d in differences
                if d.resolved_at is None
            ],
            "explained_differences": [d for d in differences if d.resolved_at is not None],
            "runs": GatewayStatement.objects.filter(gateway=statement.gateway, day=statement.day),
        },
    )


@require_POST
@permission_required(EXPLAIN_PERMISSION, raise_exception=True)
def explain(request, difference_id: int):
    difference = get_object_or_404(StatementDifference, pk=difference_id)
    form = ExplainDifferenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明核对结果（最多 500 字）。"))
    else:
        try:
            explain_difference(
                difference_id=difference.pk, actor=request.user, note=form.cleaned_data["note"]
            )
        except ReconciliationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("已记录核对说明。"))
    return redirect(reverse("shop_statement", args=[difference.statement_id]))


class StatementsMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return request.user.has_perm(VIEW_PERMISSION)


def menu_item() -> StatementsMenuItem:
    return StatementsMenuItem(
        gettext_lazy("对账单"),
        reverse("shop_statements"),
        name="shop-statements",
        icon_name="table",
        order=160,
    )


def urls() -> list:
    return [
        path("statements/", statement_list, name="shop_statements"),
        path("statements/<int:statement_id>/", statement_detail, name="shop_statement"),
        path(
            "statements/differences/<int:difference_id>/explain/",
            explain,
            name="shop_explain_difference",
        ),
    ]
