"""Admin actions of aid accounting: thin views over versions.py,
close.py and batches.py, which check the role themselves too."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aid_accounting.admin.forms import (
    ClosePeriodForm,
    DraftBatchForm,
    ImportRegisterForm,
    RemovedHouseholdDecisionForm,
    RowFailedForm,
    RuleForm,
)
from aid_accounting.exceptions import AidAccountingError
from aid_accounting.households import register_import
from aid_accounting.households.models import Household
from aid_accounting.payouts import batches, payable
from aid_accounting.payouts.models import PayoutBatch, PayoutRow
from aid_accounting.periods import close
from aid_accounting.rules import versions
from aid_accounting.rules.models import AidRule
from core.money import format_yuan, yuan_amount


def _form_page(request, form, title: str, back_url: str):
    return TemplateResponse(
        request,
        "aid_accounting/admin/form.html",
        {"form": form, "title": title, "back_url": back_url},
    )


@permission_required("aid_accounting.add_aidrule", raise_exception=True)
def set_rule(request, rule_id: int | None = None):
    """A new rule, or (from ``rule_id``) a new version of it."""
    initial = {}
    if rule_id is not None:
        current = get_object_or_404(AidRule, pk=rule_id)
        initial = {
            "producer": current.producer_id,
            "product": current.product_id,
            "pool": current.pool_id,
            "share_percent": Decimal(current.share_bp) / 100,
            "fixed_per_unit": yuan_amount(current.fixed_fen_per_unit, grouped=True),
        }
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rule = versions.set_rule(
                producer=data["producer"],
                product=data["product"],
                pool=data["pool"],
                share_bp=form.share_bp,
                fixed_fen_per_unit=data["fixed_per_unit"] or 0,
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                actor=request.user,
                note=data["note"],
            )
        except AidAccountingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("已设置规则：%(rule)s。") % {"rule": rule})
            return redirect("aid_rules:inspect", rule.pk)
    return _form_page(request, form, _("设置帮扶规则"), "aid_rules:index")


@permission_required("aid_accounting.close_accountingperiod", raise_exception=True)
def close_period(request):
    form = ClosePeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = close.close_period(period=form.cleaned_data["period"], actor=request.user)
        except AidAccountingError as error:
            form.add_error(None, str(error))
        else:
            if result.already_closed:
                messages.info(request, _("该期间已结算，未作任何更改。"))
            else:
                messages.success(
                    request,
                    _("期间 %(code)s 已结算，分配 %(amount)s。")
                    % {"code": result.period.code, "amount": format_yuan(result.distributed_fen)},
                )
            for carried in result.carried:
                messages.warning(
                    request,
                    _("“%(pool)s”的 %(amount)s 留待下次结算：%(reason)s。")
                    % {
                        "pool": carried.pool.name,
                        "amount": format_yuan(carried.amount_fen),
                        "reason": carried.reason,
                    },
                )
            return redirect("aid_periods:inspect", result.period.pk)
    return _form_page(request, form, _("结算会计期间"), "aid_periods:index")


@permission_required("aid_accounting.add_payoutbatch", raise_exception=True)
def draft_batch(request):
    form = DraftBatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = batches.draft_batch(kind=form.cleaned_data["kind"], actor=request.user)
        except AidAccountingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("已起草付款批次，合计 %(amount)s。") % {"amount": format_yuan(batch.total_fen)},
            )
            return redirect("aid_payout_batches:inspect", batch.pk)
    return _form_page(request, form, _("起草付款批次"), "aid_payout_batches:index")


BATCH_ACTIONS = {"approve": batches.approve_batch, "cancel": batches.cancel_batch}


@require_POST
@permission_required("aid_accounting.add_payoutbatch", raise_exception=True)
def batch_action(request, batch_id: int, action: str):
    batch = get_object_or_404(PayoutBatch, pk=batch_id)
    try:
        BATCH_ACTIONS[action](batch=batch, actor=request.user)
    except AidAccountingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("付款批次已更新。"))
    return redirect("aid_payout_batches:inspect", batch.pk)


@require_POST
@permission_required("aid_accounting.add_payoutbatch", raise_exception=True)
def export_batch(request, batch_id: int):
    batch = get_object_or_404(PayoutBatch, pk=batch_id)
    try:
        text = batches.export_bank_csv(batch=batch, actor=request.user)
    except AidAccountingError as error:
        messages.error(request, str(error))
        return redirect("aid_payout_batches:inspect", batch.pk)
    # With a byte-order mark, so spreadsheet programs read the Chinese correctly.
    response = HttpResponse(text.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payout-batch-{batch.pk}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission_required("aid_accounting.add_payoutbatch", raise_exception=True)
def settle_row(request, row_id: int, outcome: str):
    row = get_object_or_404(PayoutRow, pk=row_id)
    try:
        if outcome == "paid":
            batches.mark_row_paid(row=row, actor=request.user)
        else:
            form = RowFailedForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else _("未说明")
            batches.mark_row_failed(row=row, actor=request.user, reason=reason)
    except AidAccountingError as error:
        messages.error(request, str(error))
    return redirect("aid_payout_batches:inspect", row.batch_id)


@require_POST
@permission_required("aid_accounting.add_payoutbatch", raise_exception=True)
def decide_removed_household(request, household_id: int):
    """An officer's decision on a removed household's held payable, from a batch's page."""
    household = get_object_or_404(Household, pk=household_id)
    form = RemovedHouseholdDecisionForm(request.POST)
    back = request.POST.get("batch", "")
    if not form.is_valid():
        messages.error(request, _("请选择决定并填写理由。"))
    else:
        try:
            payable.decide_removed_household(
                household=household,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except AidAccountingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("已记录决定，下次起草付款批次时适用。"))
    if back.isdigit() and PayoutBatch.objects.filter(pk=back).exists():
        return redirect("aid_payout_batches:inspect", int(back))
    return redirect("aid_payout_batches:index")


@permission_required("aid_accounting.add_household", raise_exception=True)
def import_households(request):
    """Check an uploaded register ("检查") and import it ("导入") once it is clean."""
    form = ImportRegisterForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = register_import.import_register(
                data=upload.read(register_import.MAX_BYTES + 1),
                actor=request.user,
                dry_run=request.POST.get("action") != "import",
            )
        except register_import.RegisterFileError as error:
            form.add_error("file", str(error))
        else:
            if result.imported:
                messages.success(request, _("已导入 %(count)s 户。") % {"count": result.imported})
                return redirect("households:index")
            if result.is_clean:
                messages.info(
                    request,
                    _("%(count)s 行全部无误，可以导入。") % {"count": len(result.households)},
                )
    return TemplateResponse(
        request,
        "aid_accounting/admin/import_households.html",
        {"form": form, "result": result, "title": _("导入帮扶户登记表")},
    )
