"""The outbox in the admin: staff find failed messages and retry them; who may
retry and who sees recipients in full follows the roles."""

import json

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction

from core.roles import AUDITOR, BUYER, SYSTEM
from messaging import outbox
from messaging.masking import mask_recipient
from messaging.models import OutboundMessage
from tests.township import add_staff

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture
def failed() -> OutboundMessage:
    with transaction.atomic():
        message = outbox.owe_email(
            key="objection:1:email:wang@example.com",
            to="wang@example.com",
            subject="异议",
            body="联系方式 13812345678",
        )
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=OutboundMessage.Status.FAILED, attempts=8, last_error="SMTPRecipientsRefused: 550"
    )
    message.refresh_from_db()
    return message


@pytest.fixture
def auditor(db):
    return add_staff(AUDITOR, username="auditor")


def refused(response) -> bool:
    # Wagtail turns PermissionDenied in admin views into a redirect to the dashboard.
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_the_menu_counts_failed_messages_and_the_listing_filters_them(client, staff, failed):
    with transaction.atomic():
        outbox.owe_email(key="other", to="li@example.com", subject="S", body="B")
    client.force_login(staff)

    dashboard = client.get("/admin/").content.decode()
    # The sidebar is JSON in the page, its text escaped.
    assert json.dumps("消息发送（1 条失败）")[1:-1] in dashboard
    assert "/admin/messaging/?status=failed" in dashboard
    listing = client.get("/admin/messaging/?status=failed").content.decode()
    assert "wang@example.com" in listing and "li@example.com" not in listing
    assert "SMTPRecipientsRefused: 550" in listing


def test_a_message_shows_its_attempts_and_last_error(client, aid_officer, failed):
    client.force_login(aid_officer)
    page = client.get(f"/admin/messaging/inspect/{failed.pk}/").content.decode()
    assert "SMTPRecipientsRefused: 550" in page
    assert "wang@example.com" in page and "13812345678" in page
    assert f"/admin/messaging/{failed.pk}/retry/" in page


def test_staff_retry_a_failed_message_and_it_is_sent(
    client, staff, failed, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/messaging/{failed.pk}/retry/")
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboundMessage.Status.SENT, 1)
    assert [m.to for m in mail.outbox] == [["wang@example.com"]]
    # Only a failed message is retried: a sent one stays sent and goes nowhere.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/messaging/{failed.pk}/retry/")
    assert len(mail.outbox) == 1


def test_a_retry_is_a_post(client, staff, failed):
    client.force_login(staff)
    assert client.get(f"/admin/messaging/{failed.pk}/retry/").status_code == 405
    failed.refresh_from_db()
    assert failed.status == OutboundMessage.Status.FAILED


def test_auditors_read_the_outbox_masked_and_cannot_retry(client, auditor, failed):
    client.force_login(auditor)
    listing = client.get("/admin/messaging/").content.decode()
    assert "w***@example.com" in listing
    assert "objection:1:email:w***@example.com" in listing
    assert "wang@example.com" not in listing
    page = client.get(f"/admin/messaging/inspect/{failed.pk}/").content.decode()
    assert "wang@example.com" not in page and "13812345678" not in page
    assert "SMTPRecipientsRefused: 550" in page
    assert "/retry/" not in page
    assert refused(client.post(f"/admin/messaging/{failed.pk}/retry/"))
    failed.refresh_from_db()
    assert failed.status == OutboundMessage.Status.FAILED


def test_people_without_a_staff_role_see_no_outbox(client, failed):
    buyer = add_staff(BUYER, username="buyer")
    client.force_login(buyer)
    assert client.get("/admin/messaging/").status_code == 302
    assert client.post(f"/admin/messaging/{failed.pk}/retry/").status_code in (302, 403)
    failed.refresh_from_db()
    assert failed.status == OutboundMessage.Status.FAILED


def test_the_retry_service_checks_the_role_itself(auditor, staff, failed):
    with pytest.raises(PermissionDenied):
        outbox.retry(message_id=failed.pk, actor=auditor)
    assert outbox.retry(message_id=failed.pk, actor=SYSTEM).status == "pending"


@pytest.mark.parametrize(
    ("recipient", "masked"),
    [
        (PHONE, "138****5678"),
        ("wang.li@example.com", "w******@example.com"),
        ("a@example.com", "a*@example.com"),
        ("12345", "*****"),
    ],
)
def test_mask_recipient(recipient, masked):
    assert mask_recipient(recipient) == masked
