"""Anonymising the personal data of households that left the register long ago
(PIPL art. 19 and 47; docs/privacy.md).

A household removed from the register (status 已退出, dated by
``Household.left_register_at``) keeps its personal data for
``settings.HOUSEHOLD_RETENTION_YEARS`` years. After that its head's name
becomes ``ANONYMISED_NAME`` and its ID number, phone, bank and account number
are emptied, on the register, in its payout rows' account snapshots, in its
requested account changes, and in the change history's copies of the name.

What stays: the registration number, village, kind, status, household size
(the statistics and reports count them), every ledger row (which names a
household by account code only, so the hash chain and the period seals do not
change), the published notices (frozen, masked names only) and the log of who
saw the data (``PersonalDataAccess``), which records no values.

A household is kept back, with the reason, while anything may still need its
data: a payable balance other than zero (money still owed to it, or owed back),
the month it left not yet closed, an account change awaiting approval, or an
objection to a notice still open about it.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aid_accounting import calendar
from aid_accounting.households.models import (
    ANONYMISED_NAME,
    PERSONAL_DATA_ANONYMISED,
    Household,
)
from aid_accounting.ledger.models import Account
from aid_accounting.ledger.posting import posted_totals
from aid_accounting.notices.models import NoticeObjection
from aid_accounting.payouts.models import PayoutAccountChange, PayoutRow
from aid_accounting.periods.models import AccountingPeriod
from core.roles import SYSTEM, Actor, acting_user, require_aid_officer_or_system


class KeptBack(TextChoices):
    BALANCE = "balance", _("应付余额不为零（仍有应付或应退回的款项）")
    OPEN_PERIOD = "open_period", _("退出当月的会计期间尚未结算")
    ACCOUNT_CHANGE = "account_change", _("有待审核的收款账户变更申请")
    OBJECTION = "objection", _("有未处理的公示异议")


@dataclass
class RetentionRun:
    """Who is past the retention period at ``now``: anonymised (or, on a dry run,
    due), and kept back with the reasons."""

    now: datetime.datetime
    cutoff: datetime.datetime
    dry_run: bool
    due: list[Household] = field(default_factory=list)
    kept_back: list[tuple[Household, list[KeptBack]]] = field(default_factory=list)


def retention_cutoff(now: datetime.datetime) -> datetime.datetime:
    """Households that left at or before this moment are past the retention period."""
    years = settings.HOUSEHOLD_RETENTION_YEARS
    local = timezone.localtime(now)
    try:
        return local.replace(year=local.year - years)
    except ValueError:  # 29 February, in a year without one
        return local.replace(year=local.year - years, day=28)


def apply_retention(
    *, actor: Actor = SYSTEM, dry_run: bool = False, now: datetime.datetime | None = None
) -> RetentionRun:
    """Anonymise every household past the retention period that nothing keeps
    back, one database transaction each; with ``dry_run``, only say which.
    Idempotent: an anonymised household is not looked at again."""
    require_aid_officer_or_system(actor)
    if not dry_run and not settings.FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is not set: the register's encrypted values cannot be read, "
            "so no household is anonymised."
        )
    now = now or timezone.now()
    run = RetentionRun(now=now, cutoff=retention_cutoff(now), dry_run=dry_run)
    # What the survey needs: the personal data is not even loaded until it is anonymised.
    candidates = list(
        Household.objects.filter(
            status=Household.Status.REMOVED,
            anonymised_at__isnull=True,
            left_register_at__lte=run.cutoff,
        )
        .only("registration_number", "left_register_at")
        .order_by("registration_number")
    )
    reasons = kept_back(candidates)
    for household in candidates:
        if household.pk in reasons:
            run.kept_back.append((household, reasons[household.pk]))
        elif dry_run:
            run.due.append(household)
        elif anonymised := _anonymise(household_id=household.pk, actor=actor, now=now):
            run.due.append(anonymised)
        elif again := kept_back([household]).get(household.pk):
            # Something came up between the survey and the row lock.
            run.kept_back.append((household, again))
    return run


def kept_back(households: Iterable[Household]) -> dict[int, list[KeptBack]]:
    """Why each of ``households`` must keep its personal data for now (by id;
    households with no reason are left out)."""
    households = list(households)
    ids = [household.pk for household in households]
    reasons: dict[int, list[KeptBack]] = {pk: [] for pk in ids}
    accounts = dict(
        Account.objects.filter(
            owner_type=Account.OwnerType.HOUSEHOLD, owner_id__in=ids
        ).values_list("pk", "owner_id")
    )
    for account_id, total in posted_totals(account_ids=accounts).items():
        if total:
            reasons[accounts[account_id]].append(KeptBack.BALANCE)
    last_closed = (
        AccountingPeriod.objects.filter(status=AccountingPeriod.Status.CLOSED)
        .order_by("-start")
        .values_list("start", flat=True)
        .first()
    )
    for household in households:
        left = calendar.month_of(household.left_register_at)
        if last_closed is None or last_closed < left.start:
            reasons[household.pk].append(KeptBack.OPEN_PERIOD)
    for pk in PayoutAccountChange.objects.filter(
        household_id__in=ids, status=PayoutAccountChange.Status.PENDING
    ).values_list("household_id", flat=True):
        reasons[pk].append(KeptBack.ACCOUNT_CHANGE)
    # An open objection names the household's row, or its whole notice.
    open_objections = NoticeObjection.objects.filter(status=NoticeObjection.Status.OPEN)
    objected = set(
        open_objections.filter(row__household_id__in=ids).values_list(
            "row__household_id", flat=True
        )
    ) | set(
        open_objections.filter(row__isnull=True, notice__rows__household_id__in=ids).values_list(
            "notice__rows__household_id", flat=True
        )
    )
    for pk in objected:
        reasons[pk].append(KeptBack.OBJECTION)
    return {pk: found for pk, found in reasons.items() if found}


def _anonymise(*, household_id: int, actor: Actor, now: datetime.datetime) -> Household | None:
    """Anonymise one household under its row lock, checking again that it is
    still due; None if it no longer is."""
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=household_id)
        if (
            household.anonymised_at is not None
            or household.status != Household.Status.REMOVED
            or household.left_register_at is None
            or household.left_register_at > retention_cutoff(now)
            or kept_back([household])
        ):
            return None
        household.head_name = ANONYMISED_NAME
        for name in Household.PERSONAL_FIELDS:
            setattr(household, name, "")
        household.anonymised_at = now
        # The history says when, and that no person did it, but the retention rule.
        household._history_user = acting_user(actor)
        household._change_reason = PERSONAL_DATA_ANONYMISED
        household.save(update_fields=["head_name", *Household.PERSONAL_FIELDS, "anonymised_at"])
        # The earlier history records and the payout rows copied the name; the
        # rows' account snapshots and the requested accounts are emptied too.
        Household.history.filter(id=household.pk).update(head_name=ANONYMISED_NAME)
        PayoutRow.objects.filter(household=household).update(
            payee_name=ANONYMISED_NAME, payee_bank_name="", payee_account_number=""
        )
        PayoutRow.history.filter(household_id=household.pk).update(payee_name=ANONYMISED_NAME)
        PayoutAccountChange.objects.filter(household=household).update(
            bank_name="", bank_account_number=""
        )
    return household


def summary(run: RetentionRun) -> list[str]:
    """The run in lines of text, for the command's output and the task's log:
    registration numbers only, never a name."""
    done = "would anonymise" if run.dry_run else "anonymised"
    lines = [
        f"Retention: {settings.HOUSEHOLD_RETENTION_YEARS} year(s) after leaving the register; "
        f"households that left on or before {run.cutoff:%Y-%m-%d %H:%M} are past it.",
        f"{done} {len(run.due)} household(s)"
        + (": " + ", ".join(h.registration_number for h in run.due) if run.due else "."),
        f"kept back {len(run.kept_back)} household(s)" + (":" if run.kept_back else "."),
    ]
    lines += [
        f"  {household.registration_number}: {'；'.join(str(r.label) for r in reasons)}"
        for household, reasons in run.kept_back
    ]
    return lines
