from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from messaging import outbox, relay
from messaging.models import OutboundMessage
from messaging.sms import templates

pytestmark = pytest.mark.django_db

NOTICE = templates.register(name="test_notice", text="订单${order}已付款。")


def test_an_owed_email_is_sent_once_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = outbox.owe_email(key="k1", to="a@example.com", subject="S", body="B")
        assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT
    assert message.sent_at is not None and message.attempts == 1
    assert [(m.subject, m.body, m.to) for m in mail.outbox] == [("S", "B", ["a@example.com"])]


def test_a_message_owed_by_a_change_that_rolls_back_is_never_written():
    with pytest.raises(LookupError), transaction.atomic():
        outbox.owe_email(key="k1", to="a@example.com", subject="S", body="B")
        raise LookupError("the change fails after owing its message")
    assert not OutboundMessage.objects.exists()


def test_owing_the_same_key_again_writes_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = outbox.owe_email(key="k1", to="a@example.com", subject="S", body="B")
        again = outbox.owe_email(key="k1", to="a@example.com", subject="S", body="B")
    assert first is not None and again is None
    assert OutboundMessage.objects.count() == 1 and len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_owing_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox.owe_email(key="k", to="a@example.com", subject="S", body="B")
    assert not OutboundMessage.objects.exists()


def test_an_sms_is_sent_through_the_configured_backend(
    sms_sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.owe_sms(key="s1", phone="13800138000", template=NOTICE, params={"order": "7"})
    assert [(sms.phone, sms.text, sms.reference) for sms in sms_sent] == [
        ("13800138000", "订单7已付款。", "s1")
    ]
    assert OutboundMessage.objects.get().provider_id == "locmem:1"


def test_an_sms_missing_a_parameter_is_refused_when_owed():
    with pytest.raises(KeyError), transaction.atomic():
        outbox.owe_sms(key="s1", phone="13800138000", template=NOTICE, params={})
    assert not OutboundMessage.objects.exists()


def _owe_without_relaying(**fields) -> OutboundMessage:
    with transaction.atomic():
        return outbox.owe_email(**fields)


def test_a_failed_send_backs_off_and_is_retried_until_it_gives_up(settings, monkeypatch):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    message = _owe_without_relaying(key="k1", to="a@example.com", subject="S", body="B")

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    assert relay.deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboundMessage.Status.PENDING, 1)
    assert message.last_error == "ConnectionRefusedError: smtp down"
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert relay.deliver(message_id=message.pk) is False  # not due yet: not even tried
    assert message.attempts == OutboundMessage.objects.get().attempts == 1

    OutboundMessage.objects.update(next_attempt_at=timezone.now())
    assert relay.due_message_ids() == [message.pk]
    assert relay.deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboundMessage.Status.FAILED, 2)
    assert relay.due_message_ids() == []


def test_a_sent_message_is_not_sent_again():
    message = _owe_without_relaying(key="k1", to="a@example.com", subject="S", body="B")
    assert relay.deliver(message_id=message.pk) is True
    assert relay.deliver(message_id=message.pk) is False
    assert len(mail.outbox) == 1


def test_the_sweep_sends_what_is_due(monkeypatch):
    from messaging.tasks import relay_due_messages

    first = _owe_without_relaying(key="k1", to="a@example.com", subject="S", body="B")
    later = _owe_without_relaying(key="k2", to="b@example.com", subject="S", body="B")
    OutboundMessage.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert relay_due_messages() == 1
    assert [m.to for m in mail.outbox] == [["a@example.com"]]
    assert OutboundMessage.objects.get(pk=first.pk).status == OutboundMessage.Status.SENT


@pytest.mark.parametrize(("attempts", "minutes"), [(1, 1), (2, 2), (3, 4), (9, 256), (10, 360)])
def test_backoff_doubles_up_to_six_hours(attempts, minutes):
    assert relay.backoff(attempts) == timedelta(minutes=minutes)


def test_nobody_is_owed_a_message_about_history_being_loaded():
    with outbox.loading_history(), transaction.atomic():
        assert outbox.owe_email(key="k1", to="a@example.com", subject="S", body="B") is None
    with transaction.atomic():
        assert outbox.owe_email(key="k1", to="a@example.com", subject="S", body="B") is not None
    assert OutboundMessage.objects.count() == 1


def test_a_message_owed_in_a_savepoint_that_rolls_back_is_never_written(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        kept = outbox.owe_email(key="kept", to="a@example.com", subject="S", body="B")
        with pytest.raises(LookupError), transaction.atomic():
            outbox.owe_email(key="undone", to="b@example.com", subject="S", body="B")
            raise LookupError("the inner change fails")
    assert list(OutboundMessage.objects.values_list("key", flat=True)) == [kept.key]
    assert [m.to for m in mail.outbox] == [["a@example.com"]]


def test_an_email_carries_a_message_id_made_from_its_key(settings):
    settings.SITE_URL = "https://shop.example.cn:8443"
    message = _owe_without_relaying(key="k1", to="a@example.com", subject="S", body="B")
    relay.deliver(message_id=message.pk)
    message_id = relay.message_id_for("k1")
    assert message_id.endswith("@shop.example.cn>") and message_id == relay.message_id_for("k1")
    assert message_id != relay.message_id_for("k2")
    assert mail.outbox[0].message()["Message-ID"] == message_id
    assert OutboundMessage.objects.get().provider_id == message_id


def _claimed_by_a_relay_that_died(message: OutboundMessage, *, lease_left: timedelta) -> None:
    """As a relay leaves a row when its worker is killed after claiming it."""
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=OutboundMessage.Status.SENDING,
        attempts=1,
        next_attempt_at=timezone.now() + lease_left,
    )


def test_a_message_held_by_a_live_lease_is_left_alone():
    """A task redelivered (acks_late) while another relay holds the row sends nothing."""
    message = _owe_without_relaying(key="k1", to="a@example.com", subject="S", body="B")
    _claimed_by_a_relay_that_died(message, lease_left=timedelta(minutes=4))
    assert relay.due_message_ids() == []
    assert relay.deliver(message_id=message.pk) is False
    assert mail.outbox == []


def test_the_sweep_takes_over_a_message_whose_relay_died(settings):
    from messaging.tasks import relay_due_messages

    message = _owe_without_relaying(key="k1", to="a@example.com", subject="S", body="B")
    _claimed_by_a_relay_that_died(message, lease_left=-timedelta(seconds=1))
    assert relay_due_messages() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboundMessage.Status.SENT, 2)
    assert message.last_error == ""
    assert mail.outbox[0].message()["Message-ID"] == relay.message_id_for("k1")
    assert relay_due_messages() == 0 and len(mail.outbox) == 1


def test_a_message_whose_relays_keep_dying_is_given_up(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    message = _owe_without_relaying(key="k1", to="a@example.com", subject="S", body="B")
    _claimed_by_a_relay_that_died(message, lease_left=-timedelta(seconds=1))
    assert relay.deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboundMessage.Status.FAILED, 1)
    assert message.last_error.endswith("given up")
    assert relay.due_message_ids() == [] and mail.outbox == []


def test_a_relay_whose_lease_was_taken_over_records_nothing_over_the_new_claim(monkeypatch):
    """A relay slower than its lease: the sweep sent the message meanwhile, and the slow
    relay's failure does not put the sent message back to pending."""
    message = _owe_without_relaying(key="k1", to="a@example.com", subject="S", body="B")
    original_send = mail.EmailMessage.send
    calls = []

    def slow_then_refused(email, *args, **kwargs):
        calls.append(email)
        if len(calls) == 1:  # the first relay: its lease runs out, the sweep steps in
            OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
            assert relay.deliver(message_id=message.pk) is True
            raise TimeoutError("smtp timed out")
        return original_send(email, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", slow_then_refused)
    assert relay.deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")


def test_the_relay_is_left_to_the_sweep_when_the_broker_is_down(
    monkeypatch, django_capture_on_commit_callbacks
):
    """Publishing fails at commit: nothing is sent from the request; the row waits."""
    import socket

    from config.celery import app

    with socket.socket() as sock:  # a port nothing listens on: connecting is refused
        sock.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    monkeypatch.setenv("CELERY_BROKER_URL", dead)  # read by Celery before its settings
    monkeypatch.setitem(app.conf, "broker_url", dead)
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = outbox.owe_email(key="k1", to="a@example.com", subject="S", body="B")
    assert mail.outbox == []
    assert OutboundMessage.objects.get().status == OutboundMessage.Status.PENDING

    assert relay.due_message_ids() == [message.pk]
    assert relay.deliver(message_id=message.pk) is True
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_relays_racing_on_one_message_send_it_once(monkeypatch):
    import threading
    import time

    from django.db import connection

    # A pending row as a lost task leaves it (owing it here would relay it on commit).
    message = OutboundMessage.objects.create(
        key="k1", channel="email", recipient="a@example.com", subject="S", body="B"
    )
    original_send = mail.EmailMessage.send

    def slow_send(email, *args, **kwargs):
        time.sleep(0.3)  # the other relay tries while this one sends
        return original_send(email, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", slow_send)
    start = threading.Barrier(2)
    results = []

    def relay_in_thread():
        try:
            start.wait()
            results.append(relay.deliver(message_id=message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=relay_in_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1
    assert OutboundMessage.objects.get().attempts == 1
