"""Admin actions of aid accounting: thin views over versions.py,
close.py, batches.py and account_changes.py, which check the role themselves too."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aid_accounting.admin.forms import (
    ClosePeriodForm,
    DraftBatchForm,
    HouseholdAccountChangeForm,
    ImportRegisterForm,
    PersonalDataCopyForm,
    ProducerAccountChangeForm,
    RemovedHouseholdDecisionForm,
    RowFailedForm,
    RuleForm,
)
from aid_accounting.exceptions import AidAccountingError
from aid_accounting.households import register_import
from aid_accounting.households.models import Household
from aid_accounting.households.personal_data import can_reveal_personal_data
from aid_accounting.payouts import account_changes, batches, payable
from aid_accounting.payouts.models import PayoutAccountChange, PayoutBatch, PayoutRow
from aid_accounting.periods import close
from aid_accounting.privacy import subject_access
from aid_accounting.rules import versions
from aid_accounting.rules.models import AidRule
from core.money import format_yuan, yuan_amount


def _form_page(request, form, title: str, back_url: str, *, intro: str = ""):
    return TemplateResponse(
        request,
        "aid_accounting/admin/form.html",
        {"form": form, "title": title, "back_url": back_url, "intro": intro},
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
    voided_before = _voided(batch)
    try:
        BATCH_ACTIONS[action](batch=batch, actor=request.user)
    except AidAccountingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("付款批次已更新。"))
        _warn_voided(request, batch, voided_before)
    return redirect("aid_payout_batches:inspect", batch.pk)


def _voided(batch: PayoutBatch) -> int:
    return batch.rows.filter(status=PayoutRow.Status.VOIDED).count()


def _warn_voided(request, batch: PayoutBatch, voided_before: int) -> None:
    voided = _voided(batch) - voided_before
    if voided:
        messages.warning(
            request,
            _("%(count)s 笔明细的收款账户在起草后已变更，已作废，金额留待下一批次。")
            % {"count": voided},
        )


@require_POST
@permission_required("aid_accounting.add_payoutbatch", raise_exception=True)
def export_batch(request, batch_id: int):
    batch = get_object_or_404(PayoutBatch, pk=batch_id)
    voided_before = _voided(batch)
    try:
        text = batches.export_bank_csv(batch=batch, actor=request.user)
    except AidAccountingError as error:
        messages.error(request, str(error))
        return redirect("aid_payout_batches:inspect", batch.pk)
    # Shown on the next admin page: the download itself cannot carry it.
    _warn_voided(request, batch, voided_before)
    # With a byte-order mark, so spreadsheet programs read the Chinese correctly.
    response = HttpResponse(text.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payout-batch-{batch.pk}.csv"'
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


@permission_required("aid_accounting.add_payoutaccountchange", raise_exception=True)
def request_producer_account_change(request):
    """Request a producer's new or changed payout account (``?producer=`` preselects one)."""
    form = ProducerAccountChangeForm(
        request.POST or None, initial={"producer": request.GET.get("producer")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = account_changes.request_producer_account_change(
                producer=data["producer"],
                holder_name=data["holder_name"],
                bank_name=data["bank_name"],
                bank_account_number=data["bank_account_number"],
                note=data["note"],
                actor=request.user,
            )
        except AidAccountingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("已提交变更申请，待另一位帮扶专员审核后生效。"))
            return redirect("aid_account_changes:inspect", change.pk)
    return _form_page(
        request,
        form,
        _("申请设置生产者收款账户"),
        "aid_producer_payout_accounts:index",
        intro=_("提交后须由另一位帮扶专员审核，通过后才用于付款。"),
    )


@permission_required("aid_accounting.add_payoutaccountchange", raise_exception=True)
def request_household_account_change(request, household_id: int):
    household = get_object_or_404(Household, pk=household_id)
    form = HouseholdAccountChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = account_changes.request_household_account_change(
                household=household,
                bank_name=data["bank_name"],
                bank_account_number=data["bank_account_number"],
                note=data["note"],
                actor=request.user,
            )
        except AidAccountingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("已提交变更申请，待另一位帮扶专员审核后生效。"))
            return redirect("aid_account_changes:inspect", change.pk)
    return _form_page(
        request,
        form,
        _("申请变更收款账户：%(household)s") % {"household": household},
        "households:index",
        intro=_("当前账号 %(masked)s。提交后须由另一位帮扶专员审核，通过后才用于付款。")
        % {"masked": household.masked_bank_account or "—"},
    )


ACCOUNT_CHANGE_ACTIONS = {
    "approve": account_changes.approve_account_change,
    "reject": account_changes.reject_account_change,
}


@require_POST
@permission_required("aid_accounting.add_payoutaccountchange", raise_exception=True)
def account_change_action(request, change_id: int, action: str):
    change = get_object_or_404(PayoutAccountChange, pk=change_id)
    try:
        ACCOUNT_CHANGE_ACTIONS[action](change=change, actor=request.user)
    except AidAccountingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("变更申请已处理。"))
    return redirect("aid_account_changes:inspect", change.pk)


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


@require_POST
def household_personal_data(request, household_id: int):
    """A household's copy of what is held about it (PIPL art. 45), from its page:
    posted with the purpose, which the access log records."""
    if not can_reveal_personal_data(request.user):
        raise PermissionDenied(_("只有帮扶专员可以导出帮扶户的个人信息副本。"))
    household = get_object_or_404(Household, pk=household_id)
    form = PersonalDataCopyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("导出个人信息副本，请先写明用途。"))
        return redirect("households:inspect", household.pk)
    content = subject_access.household_copy(
        household=household, user=request.user, reason=form.cleaned_data["purpose"]
    )
    response = HttpResponse(content, content_type=subject_access.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="household-{household.pk}-personal-data.xlsx"'
    )
    return response


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
