"""Changing where a payee is paid: every new or changed payout account (a
household's bank details on the register, a producer's ``ProducerPayoutAccount``)
is requested by one aid officer and applied only when another approves it.

- A request holds the new values encrypted and the masks of the old and new
  account numbers; one request per payee may be pending.
- Approval changes the live account under the payee's row lock (the lock
  ``payouts.batches`` takes before comparing a row's recorded account with
  the live one), so a payout drafted with the old account is voided, not paid
  to the new one unseen by its approver.
- The histories keep who asked, who decided, when, and the masks; the numbers
  stay out, as on the register.
- The register import (``households.register_import``) only adds households,
  so the account it brings is a new household's first one, entered by an
  officer; every later change to it comes through here.
"""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aid_accounting.exceptions import PayoutError
from aid_accounting.households import masking
from aid_accounting.households.models import Household
from aid_accounting.households.validators import validate_bank_account_number
from aid_accounting.payouts.models import PayoutAccountChange, ProducerPayoutAccount
from core.roles import require_aid_officer
from producers.models import Producer

# The change reason of the household's or payout account's history record the approval writes.
ACCOUNT_CHANGE_APPROVED = "account_change_approved"


def request_household_account_change(
    *,
    household: Household,
    bank_name: str,
    bank_account_number: str,
    actor: AbstractUser,
    note: str = "",
) -> PayoutAccountChange:
    """Ask for the household's bank details to become these (its holder is its head)."""
    require_aid_officer(actor)
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=household.pk)
        current = (household.head_name, household.bank_name, household.bank_account_number)
        return _request(
            PayoutAccountChange(household=household),
            current=current,
            holder_name=household.head_name,
            bank_name=bank_name,
            bank_account_number=bank_account_number,
            actor=actor,
            note=note,
        )


def request_producer_account_change(
    *,
    producer: Producer,
    holder_name: str,
    bank_name: str,
    bank_account_number: str,
    actor: AbstractUser,
    note: str = "",
) -> PayoutAccountChange:
    """Ask for the producer's payout account (new or not) to become this one."""
    require_aid_officer(actor)
    with transaction.atomic():
        producer = Producer.objects.select_for_update().get(pk=producer.pk)
        account = ProducerPayoutAccount.objects.filter(producer=producer).first()
        current = (
            (account.holder_name, account.bank_name, account.bank_account_number)
            if account
            else ("", "", "")
        )
        return _request(
            PayoutAccountChange(producer=producer),
            current=current,
            holder_name=holder_name.strip(),
            bank_name=bank_name,
            bank_account_number=bank_account_number,
            actor=actor,
            note=note,
        )


def approve_account_change(*, change: PayoutAccountChange, actor: AbstractUser) -> None:
    """Apply a pending request; only an aid officer other than the requester may."""
    require_aid_officer(actor)
    with transaction.atomic():
        change = _locked_pending(change, actor)
        if change.household_id:
            household = Household.objects.select_for_update().get(pk=change.household_id)
            household.bank_name = change.bank_name
            household.bank_account_number = change.bank_account_number
            household._change_reason = ACCOUNT_CHANGE_APPROVED
            _save(household, actor, update_fields=["bank_name", "bank_account_number"])
        else:
            Producer.objects.select_for_update().get(pk=change.producer_id)
            account = ProducerPayoutAccount.objects.filter(producer_id=change.producer_id).first()
            account = account or ProducerPayoutAccount(producer_id=change.producer_id)
            account.holder_name = change.holder_name
            account.bank_name = change.bank_name
            account.bank_account_number = change.bank_account_number
            account._change_reason = ACCOUNT_CHANGE_APPROVED
            _save(account, actor)
        _decide(change, PayoutAccountChange.Status.APPROVED, actor)


def reject_account_change(*, change: PayoutAccountChange, actor: AbstractUser) -> None:
    """Drop a pending request; the live account stays as it is."""
    require_aid_officer(actor)
    with transaction.atomic():
        change = _locked_pending(change, actor)
        _decide(change, PayoutAccountChange.Status.REJECTED, actor)


def _request(
    change: PayoutAccountChange,
    *,
    current: tuple[str, str, str],
    holder_name: str,
    bank_name: str,
    bank_account_number: str,
    actor: AbstractUser,
    note: str,
) -> PayoutAccountChange:
    # Numbers are often copied in groups of four.
    number = "".join(bank_account_number.split())
    bank_name = bank_name.strip()
    try:
        validate_bank_account_number(number)
    except ValidationError as error:
        raise PayoutError(error.messages[0]) from None
    if not (holder_name and bank_name):
        raise PayoutError(_("请填写户名和开户银行。"))
    if (holder_name, bank_name, number) == current:
        raise PayoutError(_("新账户与当前账户相同，无需变更。"))
    payee = change.household or change.producer
    if PayoutAccountChange.objects.filter(
        household=change.household,
        producer=change.producer,
        status=PayoutAccountChange.Status.PENDING,
    ).exists():
        raise PayoutError(
            _("%(payee)s 已有待审核的收款账户变更申请，请先审核或驳回。") % {"payee": payee}
        )
    change.holder_name = holder_name if change.producer_id else ""
    change.bank_name = bank_name
    change.bank_account_number = number
    change.masked_before = masking.mask_bank_account(current[2])
    change.masked_after = masking.mask_bank_account(number)
    change.note = note[:255]
    change.requested_by = actor
    _save(change, actor)
    return change


def _locked_pending(change: PayoutAccountChange, actor: AbstractUser) -> PayoutAccountChange:
    change = PayoutAccountChange.objects.select_for_update().get(pk=change.pk)
    if change.status != PayoutAccountChange.Status.PENDING:
        raise PayoutError(
            _("该变更申请已是“%(status)s”，不能再审核。") % {"status": change.get_status_display()}
        )
    if change.requested_by_id == actor.pk:
        raise PayoutError(_("收款账户变更须由申请人以外的另一位帮扶专员审核。"))
    return change


def _decide(
    change: PayoutAccountChange, status: PayoutAccountChange.Status, actor: AbstractUser
) -> None:
    change.status = status
    change.decided_by = actor
    change.decided_at = timezone.now()
    _save(change, actor, update_fields=["status", "decided_by", "decided_at"])


def _save(obj, actor: AbstractUser, **kwargs) -> None:
    """Save, with ``actor`` as the "who" of the history record the save writes."""
    obj._history_user = actor
    obj.save(**kwargs)
