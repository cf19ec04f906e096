"""The services that move aid money check the aid-officer role themselves, so a task,
a command or a future view that calls them directly is held to it, not only the admin
views (core.roles.require_aid_officer). Each is called here with people who are not
aid officers, and must refuse and change nothing."""

import pytest
from django.core.exceptions import PermissionDenied

from aid_accounting.notices.models import Notice
from aid_accounting.notices.publication import generate_notices
from aid_accounting.payouts.batches import (
    approve_batch,
    cancel_batch,
    draft_batch,
    export_bank_csv,
    mark_row_failed,
    mark_row_paid,
)
from aid_accounting.payouts.models import PayoutBatch, PayoutRow
from aid_accounting.periods.close import close_period
from aid_accounting.periods.models import AccountingPeriod
from aid_accounting.rules.models import AidRule
from aid_accounting.rules.versions import set_rule
from core.roles import AID_OFFICER, SYSTEM, TOWNSHIP_EDITOR
from tests.township import add_staff, at, close_and_publish, deliver, sell

pytestmark = pytest.mark.django_db


def not_officers():
    """A township editor, and an aid officer whose account is disabled."""
    return [
        add_staff(TOWNSHIP_EDITOR, username="editor"),
        add_staff(AID_OFFICER, username="former", is_active=False),
    ]


@pytest.fixture
def october(tomato, tomato_rule, beneficiaries):
    order = sell([(tomato, 2)], paid_at=at("2026-10-10"))
    deliver(order, at=at("2026-10-12"))


@pytest.fixture
def exported(october, aid_officer, second_officer):
    close_and_publish("2026-10", now=at("2026-11-02"))  # its window ended 9 November
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)
    export_bank_csv(batch=batch, actor=aid_officer)
    return batch


def test_only_an_aid_officer_closes_a_period(october, staff):
    for person in [None, staff, *not_officers()]:
        with pytest.raises(PermissionDenied):
            close_period(period="2026-10", actor=person, now=at("2026-11-02"))
    assert not AccountingPeriod.objects.filter(status=AccountingPeriod.Status.CLOSED).exists()


def test_only_an_aid_officer_cancels_a_batch(october, aid_officer, staff, auditor):
    close_and_publish("2026-10", now=at("2026-11-02"))  # its window ended 9 November
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    for person in [staff, auditor, *not_officers()]:
        with pytest.raises(PermissionDenied):
            cancel_batch(batch=batch, actor=person)
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.DRAFT


def test_only_an_aid_officer_settles_a_row(exported, staff, auditor):
    row = exported.rows.first()
    for person in [staff, auditor, *not_officers()]:
        with pytest.raises(PermissionDenied):
            mark_row_paid(row=row, actor=person)
        with pytest.raises(PermissionDenied):
            mark_row_failed(row=row, actor=person, reason="账号已销户")
    row.refresh_from_db()
    assert row.status == PayoutRow.Status.PENDING


def test_only_an_aid_officer_exports_the_bank_file(october, aid_officer, second_officer, auditor):
    close_and_publish("2026-10", now=at("2026-11-02"))  # its window ended 9 November
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)
    for person in [auditor, *not_officers()]:
        with pytest.raises(PermissionDenied):
            export_bank_csv(batch=batch, actor=person)
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.APPROVED


def test_the_system_closes_a_period_saying_so(october):
    """A task, a command and the demo pass ``SYSTEM``: the close records no person."""
    period = close_period(period="2026-10", actor=SYSTEM, now=at("2026-11-02")).period
    assert (period.status, period.closed_by) == (AccountingPeriod.Status.CLOSED, None)
    assert period.history.latest().history_change_reason == "period_closed_automatically"


def test_only_an_aid_officer_or_the_system_generates_notices(october, staff, aid_officer):
    period = close_period(period="2026-10", actor=SYSTEM, now=at("2026-11-02")).period
    for person in [None, staff, *not_officers()]:
        with pytest.raises(PermissionDenied):
            generate_notices(period=period, actor=person)
    assert not Notice.objects.exists()
    (notice,) = generate_notices(period=period, actor=SYSTEM)
    assert notice.generated_by is None  # the demo's: any officer may publish it


def test_a_rule_is_set_by_someone_allowed_or_the_system(tomato, aid_pool, aid_officer, staff):
    producer = tomato.product.producer
    terms = {"producer": producer, "pool": aid_pool, "share_bp": 2500}
    for person in [None, staff, *not_officers()]:
        with pytest.raises(PermissionDenied):
            set_rule(**terms, valid_from=at("2026-01-01").date(), actor=person)
    assert not AidRule.objects.exists()
    by_system = set_rule(**terms, valid_from=at("2026-01-01").date(), actor=SYSTEM)
    by_officer = set_rule(**terms, valid_from=at("2026-02-01").date(), actor=aid_officer)
    assert (by_system.created_by, by_officer.created_by) == (None, aid_officer)
    assert by_officer.history.latest().history_user == aid_officer
