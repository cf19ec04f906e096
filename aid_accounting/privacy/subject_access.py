"""A household's copy of what is held about it (PIPL art. 45), for an aid
officer to hand over when the household asks: one XLSX workbook, a sheet for
each part (``core.spreadsheet`` writes it, every text cell made inert).

Its register data is in full (it is the household's own), so the copy is
made through ``reveal_personal_data``, which checks the role and logs the
export with the purpose the officer stated; that log row is in the copy's
own access log. The payout rows show the account they paid masked: the
register sheet has the current account in full.
"""

from django.contrib.auth.models import AbstractUser
from django.utils import timezone
from django.utils.translation import gettext as _

from aid_accounting.households.models import Household, PersonalDataAccess
from aid_accounting.households.personal_data import reveal_personal_data
from aid_accounting.ledger.kinds import TransactionKind
from aid_accounting.ledger.models import Account, Entry
from aid_accounting.ledger.posting import posted_totals
from aid_accounting.payouts.models import (
    PayoutAccountChange,
    PayoutRow,
    RemovedHouseholdDecision,
)
from aid_accounting.periods.models import PoolDistribution
from core.money import yuan_decimal
from core.spreadsheet import Sheet, xlsx_workbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def household_copy(*, household: Household, user: AbstractUser, reason: str) -> bytes:
    """The workbook, after checking that ``user`` is an aid officer and logging
    the export with ``reason``."""
    revealed = reveal_personal_data(
        user=user,
        household=household,
        fields=Household.PERSONAL_FIELDS,
        purpose=PersonalDataAccess.Purpose.EXPORT,
        reason=reason,
    )
    account = Account.objects.filter(
        owner_type=Account.OwnerType.HOUSEHOLD, owner_id=household.pk
    ).first()
    return xlsx_workbook(
        [
            _register(household, revealed, account),
            _allocations(account),
            _payouts(household),
            _account_changes(household),
            _decisions(household),
            _accesses(household),
        ]
    )


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _label(field: str) -> str:
    return str(Household._meta.get_field(field).verbose_name)


def _register(household: Household, revealed: dict[str, str], account: Account | None) -> Sheet:
    # What it is owed now: the payable's credit balance.
    balance = -posted_totals(account_ids=[account.pk])[account.pk] if account else 0
    rows = [
        (_label("registration_number"), household.registration_number),
        (_label("head_name"), household.head_name),
        (_label("village"), household.village.name),
        (_label("kind"), household.get_kind_display()),
        (_label("status"), household.get_status_display()),
        (_label("member_count"), household.member_count),
        (_label("helper_cadre"), household.helper_cadre),
        *((_label(field), value) for field, value in revealed.items()),
        (_label("left_register_at"), _when(household.left_register_at)),
        (_label("anonymised_at"), _when(household.anonymised_at)),
        (_("应付余额（元）"), yuan_decimal(balance)),
        (_("本副本生成时间"), _when(timezone.now())),
    ]
    return Sheet(_("登记信息"), [_("项目"), _("内容")], rows)


def _allocations(account: Account | None) -> Sheet:
    """Each close's credit to the household, month by month."""
    credits = (
        dict(
            Entry.objects.filter(
                account=account, transaction__kind=TransactionKind.DISTRIBUTION
            ).values_list("transaction_id", "amount_fen")
        )
        if account
        else {}
    )
    distributions = PoolDistribution.objects.filter(transaction_id__in=credits).select_related(
        "period", "pool"
    )
    rows = sorted(
        (
            distribution.period.code,
            distribution.pool.name,
            yuan_decimal(-credits[distribution.transaction_id]),
            _when(distribution.created_at),
        )
        for distribution in distributions
    )
    return Sheet(
        _("每月分配"),
        [_("期间"), _("资金池"), _("分配金额（元）"), _("分配时间")],
        rows,
        decimal_columns=[2],
    )


def _payouts(household: Household) -> Sheet:
    rows = [
        (
            row.batch_id,
            _when(row.batch.created_at),
            yuan_decimal(row.amount_fen),
            row.masked_payee_account,
            row.get_status_display(),
            _when(row.settled_at),
            row.failure_reason,
        )
        for row in PayoutRow.objects.filter(household=household)
        .select_related("batch")
        .order_by("batch__created_at", "pk")
    ]
    return Sheet(
        _("付款"),
        [
            _("付款批次"),
            _("起草时间"),
            _("金额（元）"),
            _("收款账号"),
            _("状态"),
            _("登记时间"),
            _("失败或作废原因"),
        ],
        rows,
        decimal_columns=[2],
    )


def _account_changes(household: Household) -> Sheet:
    rows = [
        (
            _when(change.requested_at),
            change.masked_before,
            change.masked_after,
            change.note,
            change.get_status_display(),
            _when(change.decided_at),
        )
        for change in PayoutAccountChange.objects.filter(household=household).order_by(
            "requested_at", "pk"
        )
    ]
    return Sheet(
        _("收款账户变更"),
        [_("申请时间"), _("原账号"), _("新账号"), _("说明"), _("状态"), _("审核时间")],
        rows,
    )


def _decisions(household: Household) -> Sheet:
    rows = [
        (_when(decision.decided_at), decision.get_decision_display(), decision.reason)
        for decision in RemovedHouseholdDecision.objects.filter(household=household).order_by(
            "decided_at", "pk"
        )
    ]
    return Sheet(_("退出户付款决定"), [_("决定时间"), _("决定"), _("理由")], rows)


def _accesses(household: Household) -> Sheet:
    """Who saw or exported its personal data in full, when and why."""
    rows = [
        (
            _when(access.accessed_at),
            access.user.get_full_name() or access.user.get_username(),
            access.get_purpose_display(),
            "、".join(_label(field) for field in access.fields),
            access.reason,
        )
        for access in PersonalDataAccess.objects.filter(household=household)
        .select_related("user")
        .order_by("accessed_at", "pk")
    ]
    return Sheet(
        _("个人信息查看记录"), [_("时间"), _("操作人"), _("用途"), _("字段"), _("事由")], rows
    )
