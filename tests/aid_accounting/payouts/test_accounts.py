"""Producers' payout accounts: the bank file, the audit log, validation and the admin
(where they change only through requests, see test_account_changes)."""

import csv
import io
import json

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from aid_accounting.exceptions import PayoutError
from aid_accounting.households.models import PersonalDataAccess
from aid_accounting.ledger.posting import balance, producer_account
from aid_accounting.payouts.accounts import reveal_payee_account
from aid_accounting.payouts.batches import approve_batch, draft_batch, export_bank_csv
from aid_accounting.payouts.models import (
    PayoutAccountChange,
    PayoutBatch,
    PayoutRow,
    ProducerPayoutAccount,
)
from producers.models import Producer
from tests.aid_accounting.factories import ProducerPayoutAccountFactory
from tests.producers.factories import ProducerFactory
from tests.township import at, deliver, sell

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/aid_producer_payout_accounts/"


def refused(response) -> bool:
    # Wagtail turns PermissionDenied in admin views into a redirect to the dashboard.
    return response.status_code == 302 and response["Location"] == "/admin/"


@pytest.fixture
def payout_account(tomato):
    return ProducerPayoutAccountFactory(
        producer=tomato.product.producer,
        holder_name="姜庄村党支部领办合作社",
        bank_account_number="62000000000990001",
    )


# The bank file ------------------------------------------------------------------


def test_the_bank_file_has_the_producers_account_and_the_export_is_audited(
    tomato, tomato_rule, payout_account, aid_officer, second_officer
):
    deliver(sell([(tomato, 2)], paid_at=at("2026-10-10")), at=at("2026-10-12"))
    producer = payout_account.producer
    batch = draft_batch(kind=PayoutBatch.Kind.PRODUCER, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)

    text = export_bank_csv(batch=batch, actor=second_officer)

    [line] = csv.DictReader(io.StringIO(text))
    # ¥79.60 of tomatoes less 25% aid (¥19.90), plus the ¥10 shipping.
    assert (
        line["收款人"],
        line["编号"],
        line["开户银行"],
        line["银行账号"],
        line["金额（元）"],
    ) == (
        "姜庄村党支部领办合作社",
        producer.code,
        "示例农村商业银行",
        "62000000000990001",
        "69.70",
    )
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.producer, access.household, access.fields, access.purpose) == (
        second_officer,
        producer,
        None,
        ["bank_account_number"],
        PersonalDataAccess.Purpose.EXPORT,
    )


def test_a_producer_without_a_payout_account_waits_for_one(
    tomato, bag, tomato_rule, payout_account, aid_officer
):
    deliver(sell([(tomato, 2), (bag, 1)], paid_at=at("2026-10-10")), at=at("2026-10-12"))
    without = bag.product.producer
    payable = balance(producer_account(without))

    batch = draft_batch(kind=PayoutBatch.Kind.PRODUCER, actor=aid_officer)

    assert [row.producer for row in batch.rows.all()] == [payout_account.producer]
    assert balance(producer_account(without)) == payable > 0
    ProducerPayoutAccountFactory(producer=without, bank_account_number="62000000000990002")
    later = draft_batch(kind=PayoutBatch.Kind.PRODUCER, actor=aid_officer)
    assert [(row.producer, row.amount_fen) for row in later.rows.all()] == [(without, payable)]


def test_no_producer_batch_without_any_payout_account(tomato, tomato_rule, aid_officer):
    deliver(sell([(tomato, 2)], paid_at=at("2026-10-10")), at=at("2026-10-12"))

    with pytest.raises(PayoutError, match="没有可付款"):
        draft_batch(kind=PayoutBatch.Kind.PRODUCER, actor=aid_officer)

    assert not PayoutBatch.objects.exists()


# Revealing ----------------------------------------------------------------------


@pytest.fixture
def drafted_row(tomato, tomato_rule, payout_account, aid_officer) -> PayoutRow:
    deliver(sell([(tomato, 2)], paid_at=at("2026-10-10")), at=at("2026-10-12"))
    return draft_batch(kind=PayoutBatch.Kind.PRODUCER, actor=aid_officer).rows.get()


def test_an_aid_officer_sees_the_recorded_number_and_it_is_logged(aid_officer, drafted_row):
    details = reveal_payee_account(user=aid_officer, row=drafted_row, purpose="view")

    assert details == ("示例农村商业银行", "62000000000990001")
    access = PersonalDataAccess.objects.get()
    assert (access.producer, access.purpose) == (drafted_row.producer, "view")


@pytest.mark.parametrize("role", ["auditor", "staff"])
def test_nobody_else_sees_the_full_number(request, role, drafted_row):
    with pytest.raises(PermissionDenied):
        reveal_payee_account(user=request.getfixturevalue(role), row=drafted_row, purpose="view")

    assert not PersonalDataAccess.objects.exists()


def test_the_number_is_stored_encrypted(payout_account, settings):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bank_account_number FROM aid_accounting_producerpayoutaccount WHERE id = %s",
            [payout_account.pk],
        )
        [token] = cursor.fetchone()

    assert "0990001" not in token
    assert Fernet(settings.FIELD_ENCRYPTION_KEYS[0]).decrypt(token.encode()) == b"62000000000990001"


# Validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "1234567",  # too short
        "6" * 31,  # too long
        "6200-0000-0099-0001",
        "62000000000O90001",  # a letter O
        "６２０００００００００９９０００１",  # full-width digits, which no bank file takes
    ],
)
def test_an_account_number_that_is_not_8_to_30_digits_is_refused(payout_account, number):
    payout_account.bank_account_number = number

    with pytest.raises(ValidationError) as error:
        payout_account.full_clean()

    assert error.value.message_dict == {"bank_account_number": ["银行账号应为8至30位数字。"]}


# Admin --------------------------------------------------------------------------


REQUEST_URL = "/admin/aid/accounts/producer/request/"


def form(producer: Producer, number: str) -> dict[str, str]:
    return {
        "producer": str(producer.pk),
        "holder_name": "孔祥轩",
        "bank_name": "示例农村商业银行",
        "bank_account_number": number,
    }


def test_an_aid_officer_requests_payout_details_typed_in_groups_of_four(client, aid_officer):
    producer = ProducerFactory(kind=Producer.Kind.HOUSEHOLD)
    client.force_login(aid_officer)

    response = client.post(REQUEST_URL, form(producer, "6222 0202 0011 2233 445"))

    change = PayoutAccountChange.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/aid_account_changes/inspect/{change.pk}/"
    assert (change.producer, change.bank_account_number, change.requested_by) == (
        producer,
        "6222020200112233445",
        aid_officer,
    )
    assert not ProducerPayoutAccount.objects.exists()


def test_an_invalid_number_is_refused_with_a_clear_message(client, aid_officer):
    producer = ProducerFactory()
    client.force_login(aid_officer)

    response = client.post(REQUEST_URL, form(producer, "6222-0202"))

    assert response.status_code == 200
    assert "银行账号应为8至30位数字。" in response.text
    assert not PayoutAccountChange.objects.exists()


def test_no_generic_form_writes_a_payout_account(client, aid_officer, payout_account):
    # Before issue #16 an officer could repoint a payee here alone.
    client.force_login(aid_officer)

    for url in (f"{LIST_URL}new/", f"{LIST_URL}edit/{payout_account.pk}/"):
        assert refused(client.get(url))
        assert refused(client.post(url, form(payout_account.producer, "62000000000990009")))

    payout_account.refresh_from_db()
    assert payout_account.bank_account_number == "62000000000990001"


def test_the_account_page_shows_masks_and_offers_a_change_request(
    client, aid_officer, payout_account
):
    client.force_login(aid_officer)

    page = client.get(f"{LIST_URL}inspect/{payout_account.pk}/").text

    assert "****0001" in page
    assert "62000000000990001" not in page
    assert f"{REQUEST_URL}?producer={payout_account.producer_id}" in page
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize("role", ["aid_officer", "auditor"])
def test_the_list_shows_masks_only(client, request, role):
    ProducerPayoutAccountFactory(
        producer=ProducerFactory(kind=Producer.Kind.HOUSEHOLD),
        holder_name="孔祥轩",
        bank_account_number="6222020200112233445",
    )
    client.force_login(request.getfixturevalue(role))

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert "孔*轩" in response.text
    assert "****3445" in response.text
    for full_value in ["孔祥轩", "6222020200112233445"]:
        # Also as JSON would escape it, for values in script data.
        assert full_value not in response.text
        assert json.dumps(full_value)[1:-1] not in response.text


def test_auditors_cannot_request_changes(client, auditor, payout_account):
    client.force_login(auditor)

    assert refused(client.get(REQUEST_URL))
    assert refused(client.post(REQUEST_URL, form(payout_account.producer, "62000000000990009")))
    assert not PayoutAccountChange.objects.exists()
