"""Local fakes of the SMS providers' HTTP APIs, served in the test process.

Each fake checks the request's signature as its provider does, knows which
signatures (签名) and templates were "approved", records the messages it accepted,
and can be told to refuse the next message with a code, answer with an HTTP error,
or answer slowly."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.shop.payments.loopback import QuietHandler, serving


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str


@dataclass
class Faults:
    """What the next request gets instead of the provider's normal answer."""

    code: str = ""  # a business error code for the next message
    http_status: int = 0  # an HTTP error (5xx) for the next request
    delay: float = 0.0  # seconds to wait before answering every request

    def take_code(self) -> str:
        code, self.code = self.code, ""
        return code

    def take_http_status(self) -> int:
        status, self.http_status = self.http_status, 0
        return status


@dataclass
class FakeProvider:
    """What the fakes share; each defines ``answer(method=, path=, query=, headers=, body=)``."""

    faults: Faults = field(default_factory=Faults)
    base_url: str = ""

    @property
    def host(self) -> str:
        """host:port, what the adapters take as their endpoint."""
        return self.base_url.removeprefix("http://")


@contextmanager
def serving_fake(fake: FakeProvider) -> Iterator[FakeProvider]:
    class Handler(QuietHandler):
        def do_POST(self) -> None:
            time.sleep(fake.faults.delay)
            path, _, query = self.path.partition("?")
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = fake.answer(
                method="POST", path=path, query=query, headers=self.headers, body=body
            )
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped waiting (the timeout tests)

    with serving(Handler) as base_url:
        fake.base_url = base_url
        yield fake
