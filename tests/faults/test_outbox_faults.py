"""The outbox through real faults (issue #17): a worker killed in the middle of
sending, Redis down and Redis hung when messages are owed. Each test owes
messages, breaks something for real, recovers, lets the sweep run, and counts
what a local SMTP server accepted: every message owed is sent exactly once.

The worker sends through SMTP to a server in this process (``SmtpServer``),
which can hold a conversation before accepting the message: a worker killed
then dies before the provider accepted anything. Redis is broken through a
``TcpProxy`` in front of the shared server, for this process's publishing only:
the worker keeps its own connection, as a worker on another machine would.
"""

import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from celery.app import routes as celery_routes
from django.conf import settings
from django.db import connection, transaction

from config.celery import app
from messaging import outbox, tasks
from messaging.models import OutboundMessage
from tests.faults.conftest import TcpProxy, database_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.worker,
    # The worker reads what the test wrote: the rows must be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LEASE_SECONDS = 3
OWED = 5


class SmtpServer(socketserver.ThreadingTCPServer):
    """Just enough SMTP for Django's SMTP backend. Records the Message-ID of each
    message it accepts (the 250 after DATA). ``hold_next_rcpt`` makes the next
    conversation wait at RCPT, before anything is accepted, until ``release``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.accepted: list[str] = []
        self.hold_next_rcpt = False
        self.holding = threading.Event()
        self.release = threading.Event()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server_address[1]


class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        server: SmtpServer = self.server
        self.reply("220 localhost")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith("RCPT") and server.hold_next_rcpt:
                server.hold_next_rcpt = False
                server.holding.set()
                server.release.wait(30)
                self.reply("250 OK")
            elif command.startswith("DATA"):
                self.reply("354 go on")
                message_id = ""
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    if data.lower().startswith(b"message-id:"):
                        message_id = data.split(b":", 1)[1].strip().decode()
                if data == b"":
                    return  # the client went away before the end: nothing accepted
                server.accepted.append(message_id)
                self.reply("250 accepted")
            elif command.startswith("QUIT"):
                self.reply("221 bye")
                return
            else:  # EHLO, MAIL, RCPT, RSET, NOOP
                self.reply("250 OK")


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def messages_queue(request, monkeypatch) -> str:
    """The relay's tasks go to this test's own queue, which only its workers take: not
    the session's worker ("celery"), nor another test's tasks that Redis gives back."""
    queue = f"faults-outbox-{request.node.name}"
    routes = {"messaging.tasks.*": {"queue": queue}}
    monkeypatch.setitem(app.conf, "task_routes", routes)
    monkeypatch.setattr(app.amqp, "_rtable", celery_routes.prepare(routes))
    monkeypatch.setattr(app.amqp, "router", app.amqp.Router())
    return queue


@pytest.fixture
def workers(tmp_path, smtp, messages_queue):
    """Starts Celery workers sending through ``smtp``; stops those left at the end."""
    started: list[subprocess.Popen[bytes]] = []
    log = tmp_path / "workers.log"

    def start(name: str) -> subprocess.Popen[bytes]:
        # The first drops what an earlier test left queued (sweeps queued once too often).
        worker = start_worker(
            f"{name}-{os.getpid()}@{socket.gethostname()}",
            log,
            smtp_port=smtp.port,
            queue=messages_queue,
            purge=not started,
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def start_worker(
    name: str, log: Path, *, smtp_port: int, queue: str, purge: bool
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,  # Redis itself, never the proxy
        "CELERY_VISIBILITY_TIMEOUT": "2",
        "OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_TIMEOUT": "2",
    }
    command = [
        *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"),
        *("--without-gossip", "--without-mingle", "-Q", queue, "--loglevel=INFO", "-n", name),
        *(["--purge"] if purge else []),
    ]
    with log.open("ab") as out:
        worker = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[name], timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            pytest.fail(f"the Celery worker did not start:\n{log.read_text()}", pytrace=False)
    return worker


def wait_for(what: str, check, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not (found := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}", pytrace=False)
        time.sleep(0.1)
    return found


def owe(keys: list[str]) -> float:
    """Owe an e-mail for each key in one transaction, as a request would; the seconds
    it took, commit and its callbacks (publishing the relay's tasks) included."""
    started = time.monotonic()
    with transaction.atomic():
        for key in keys:
            outbox.owe_email(key=key, to=f"{key}@example.com", subject="S", body=key)
    return time.monotonic() - started


def owe_within(seconds: float, keys: list[str]) -> float:
    """``owe``, failing the test (not hanging it) if it has not returned in time."""
    took: list[float] = []

    def run() -> None:
        try:
            took.append(owe(keys))
        finally:
            connection.close()  # this thread's own connection

    request = threading.Thread(target=run, daemon=True)
    request.start()
    request.join(seconds)
    if not took:
        pytest.fail(f"owing {keys} did not return within {seconds} s", pytrace=False)
    return took[0]


def sweep_until_all_sent(timeout: float = 40) -> None:
    """Beat's job, run here: queue the sweep every second until no message is owed."""

    def all_sent() -> bool:
        owed = OutboundMessage.objects.exclude(status=OutboundMessage.Status.SENT)
        if not owed.exists():
            return True
        tasks.relay_due_messages.apply_async()
        time.sleep(1)
        return False

    wait_for("every owed message to be sent", all_sent, timeout=timeout)


def counts(fault: str, smtp: SmtpServer, keys: list[str]) -> dict[str, int]:
    """Owed, sent, sent twice and lost, by what the SMTP server accepted."""
    accepted = Counter(smtp.accepted)
    per_key = {key: accepted[outbox_message_id(key)] for key in keys}
    result = {
        "owed": len(keys),
        "sent": sum(1 for n in per_key.values() if n >= 1),
        "sent_twice": sum(1 for n in per_key.values() if n > 1),
        "lost": sum(1 for n in per_key.values() if n == 0),
        "unknown": len(smtp.accepted) - sum(per_key.values()),
    }
    print(f"\noutbox fault [{fault}]: " + ", ".join(f"{k}={v}" for k, v in result.items()))
    return result


def outbox_message_id(key: str) -> str:
    from messaging.relay import message_id_for

    return message_id_for(key)


def test_a_worker_killed_mid_send_leaves_nothing_lost_or_sent_twice(smtp, workers):
    keys = [f"killed-{n}" for n in range(OWED)]
    smtp.hold_next_rcpt = True
    first = workers("outbox-first")

    owe(keys)
    # The first message's SMTP conversation waits at RCPT: nothing accepted yet.
    assert smtp.holding.wait(30), "the worker never reached the SMTP server"
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    smtp.release.set()
    held = OutboundMessage.objects.get(status=OutboundMessage.Status.SENDING)
    assert held.attempts == 1 and smtp.accepted == []

    workers("outbox-second")
    sweep_until_all_sent()

    assert counts("worker killed mid-send", smtp, keys) == {
        "owed": OWED,
        "sent": OWED,
        "sent_twice": 0,
        "lost": 0,
        "unknown": 0,
    }
    held.refresh_from_db()
    assert held.attempts == 2  # taken over once its lease ran out


@pytest.fixture
def proxied_broker(monkeypatch) -> TcpProxy:
    """This process publishes to Redis through a proxy the test controls."""
    broker = urlsplit(settings.CELERY_BROKER_URL)
    proxy = TcpProxy(broker.hostname or "127.0.0.1", broker.port or 6379)
    proxy.up()
    # Celery reads the CELERY_BROKER_URL variable before its own settings.
    monkeypatch.setenv("CELERY_BROKER_URL", proxy.url(broker.path))
    monkeypatch.setitem(app.conf, "broker_url", proxy.url(broker.path))
    # The app keeps its connections: start with none, so they are made to the proxy.
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    yield proxy
    proxy.down()


def test_messages_owed_while_redis_is_down_are_sent_once_after_it_returns(
    smtp, workers, proxied_broker
):
    keys = [f"down-{n}" for n in range(OWED)]
    workers("outbox-down")
    proxied_broker.down()

    took = [owe([key]) for key in keys]  # five requests, one message each
    print(f"\nredis down: requests took {', '.join(f'{t:.2f}' for t in took)} s")
    assert max(took) < 5, took
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"pending"}
    proxied_broker.up()
    sweep_until_all_sent()

    assert counts("redis down", smtp, keys) == {
        "owed": OWED,
        "sent": OWED,
        "sent_twice": 0,
        "lost": 0,
        "unknown": 0,
    }


def test_messages_owed_while_redis_hangs_keep_the_request_prompt_and_are_sent_once(
    smtp, workers, proxied_broker
):
    keys = [f"hung-{n}" for n in range(OWED)]
    workers("outbox-hung")
    proxied_broker.hang()

    took = [owe_within(10, keys[:2]), owe_within(10, keys[2:])]  # two requests
    print(f"\nredis hung: requests took {', '.join(f'{t:.2f}' for t in took)} s")
    # The first publish waits out the socket timeout; after it, none tries the broker.
    assert took[0] < 6 and took[1] < 1, took
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"pending"}
    proxied_broker.up()
    sweep_until_all_sent()

    assert counts("redis hung", smtp, keys) == {
        "owed": OWED,
        "sent": OWED,
        "sent_twice": 0,
        "lost": 0,
        "unknown": 0,
    }
