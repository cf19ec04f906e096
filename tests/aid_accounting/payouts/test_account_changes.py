"""Payout accounts change only when a second aid officer approves the request (issue #16)."""

import pytest
from django.core.exceptions import PermissionDenied

from aid_accounting.exceptions import PayoutError
from aid_accounting.households.models import Household
from aid_accounting.payouts.account_changes import (
    ACCOUNT_CHANGE_APPROVED,
    approve_account_change,
    reject_account_change,
    request_household_account_change,
    request_producer_account_change,
)
from aid_accounting.payouts.models import PayoutAccountChange, ProducerPayoutAccount
from tests.aid_accounting.factories import HouseholdFactory, ProducerPayoutAccountFactory
from tests.producers.factories import ProducerFactory

pytestmark = pytest.mark.django_db

NEW_NUMBER = "6299 9999 9999 9990 000"


@pytest.fixture
def household(db):
    return HouseholdFactory(bank_account_number="6200000000000001234")


def ask(household, actor, number: str = NEW_NUMBER) -> PayoutAccountChange:
    return request_household_account_change(
        household=household, bank_name="示例信用社", bank_account_number=number, actor=actor
    )


def test_a_request_changes_nothing_until_another_officer_approves_it(
    household, aid_officer, second_officer
):
    change = ask(household, aid_officer)

    household.refresh_from_db()
    assert household.bank_account_number == "6200000000000001234"
    assert (change.status, change.masked_before, change.masked_after) == (
        PayoutAccountChange.Status.PENDING,
        "****1234",
        "****0000",
    )

    approve_account_change(change=change, actor=second_officer)

    household.refresh_from_db()
    assert (household.bank_name, household.bank_account_number) == (
        "示例信用社",
        "6299999999999990000",
    )
    change.refresh_from_db()
    assert (change.status, change.decided_by) == (
        PayoutAccountChange.Status.APPROVED,
        second_officer,
    )
    record = household.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        second_officer,
        ACCOUNT_CHANGE_APPROVED,
    )


def test_the_requester_cannot_approve_their_own_change(household, aid_officer):
    change = ask(household, aid_officer)

    with pytest.raises(PayoutError, match=r"^收款账户变更须由申请人以外的另一位帮扶专员审核。$"):
        approve_account_change(change=change, actor=aid_officer)

    household.refresh_from_db()
    change.refresh_from_db()
    assert household.bank_account_number == "6200000000000001234"
    assert change.status == PayoutAccountChange.Status.PENDING


@pytest.mark.parametrize("role", ["auditor", "staff"])
def test_only_aid_officers_request_approve_or_reject(request, role, household, aid_officer):
    other = request.getfixturevalue(role)
    change = ask(household, aid_officer)

    with pytest.raises(PermissionDenied):
        ask(household, other, number="6200000000000009999")
    with pytest.raises(PermissionDenied):
        approve_account_change(change=change, actor=other)
    with pytest.raises(PermissionDenied):
        reject_account_change(change=change, actor=other)

    change.refresh_from_db()
    assert change.status == PayoutAccountChange.Status.PENDING
    assert PayoutAccountChange.objects.count() == 1


def test_a_rejected_change_leaves_the_account_and_cannot_be_approved_later(
    household, aid_officer, second_officer
):
    change = ask(household, aid_officer)

    reject_account_change(change=change, actor=second_officer)

    with pytest.raises(PayoutError, match=r"^该变更申请已是“已驳回”，不能再审核。$"):
        approve_account_change(change=change, actor=second_officer)
    household.refresh_from_db()
    assert household.bank_account_number == "6200000000000001234"


def test_one_pending_request_per_payee(household, aid_officer, second_officer):
    ask(household, aid_officer)

    with pytest.raises(PayoutError, match="已有待审核的收款账户变更申请"):
        ask(household, second_officer, number="6200000000000009999")


@pytest.mark.parametrize(
    ("number", "message"),
    [("6222-0202", "银行账号应为8至30位数字。"), ("6200000000000001234", "新账户与当前账户相同")],
)
def test_a_bad_or_unchanged_number_is_refused(household, aid_officer, number, message):
    household.bank_name = "示例信用社"
    household.save()

    with pytest.raises(PayoutError, match=message):
        ask(household, aid_officer, number=number)

    assert not PayoutAccountChange.objects.exists()


def test_a_producers_first_account_is_made_on_approval(aid_officer, second_officer):
    producer = ProducerFactory()
    change = request_producer_account_change(
        producer=producer,
        holder_name="孔祥轩",
        bank_name="示例农村商业银行",
        bank_account_number="62000000000990001",
        actor=aid_officer,
    )
    assert not ProducerPayoutAccount.objects.exists()
    assert change.masked_before == ""

    approve_account_change(change=change, actor=second_officer)

    account = ProducerPayoutAccount.objects.get()
    assert (account.producer, account.holder_name, account.bank_account_number) == (
        producer,
        "孔祥轩",
        "62000000000990001",
    )
    assert account.history.get().history_user == second_officer


def test_a_producers_account_is_changed_on_approval(aid_officer, second_officer):
    account = ProducerPayoutAccountFactory()
    change = request_producer_account_change(
        producer=account.producer,
        holder_name=account.holder_name,
        bank_name="示例信用社",
        bank_account_number="62000000000990002",
        actor=second_officer,
    )

    approve_account_change(change=change, actor=aid_officer)

    account.refresh_from_db()
    assert (account.bank_name, account.bank_account_number) == ("示例信用社", "62000000000990002")
    assert change.masked_before == "****0001"


def test_the_history_keeps_masks_not_numbers(household, aid_officer, second_officer):
    change = ask(household, aid_officer)
    approve_account_change(change=change, actor=second_officer)

    records = change.history.order_by("history_id")
    assert [(r.status, r.masked_before, r.masked_after, r.history_user) for r in records] == [
        (PayoutAccountChange.Status.PENDING, "****1234", "****0000", aid_officer),
        (PayoutAccountChange.Status.APPROVED, "****1234", "****0000", second_officer),
    ]
    for model, personal in (
        (PayoutAccountChange, {"bank_name", "bank_account_number"}),
        (Household, set(Household.PERSONAL_FIELDS)),
    ):
        assert not {field.name for field in model.history.model._meta.fields} & personal
