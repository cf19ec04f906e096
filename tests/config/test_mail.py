"""The development console shows an e-mail as a person reads it (issue #17): Chinese
headers decoded, the text body as text, not base64 or quoted-printable."""

import io

from django.core.mail import EmailMultiAlternatives

from config.mail import ReadableConsoleBackend
from tests.config.test_startup import run

BODY = "您的订单 LG-20261206-0001 已付款，共 ¥39.80。\n感谢您支持六盖子村。\n" * 3


def written(message) -> str:
    stream = io.StringIO()
    ReadableConsoleBackend(stream=stream).send_messages([message])
    return stream.getvalue()


def test_headers_and_text_body_are_readable():
    message = EmailMultiAlternatives(
        subject="订单已付款：大棚番茄",
        body=BODY,
        from_email="六盖子村 <shop@liugaizi.example>",
        to=["买家 <buyer@example.com>"],
    )
    message.attach_alternative("<p>您的订单已付款</p>", "text/html")
    message.attach("清单.csv", "品名,数量\n番茄,2\n", "text/csv")

    text = written(message)

    assert "Subject: 订单已付款：大棚番茄" in text
    assert "From: 六盖子村 <shop@liugaizi.example>" in text
    assert "To: 买家 <buyer@example.com>" in text
    assert BODY.rstrip("\n") in text
    assert "=?utf-8?" not in text
    assert "Content-Transfer-Encoding" not in text
    assert "<p>" not in text
    assert "[text/html not shown]" in text
    assert "[text/csv 清单.csv not shown]" in text


def test_development_prints_mail_readable():
    """As in `make run`: the development settings, a message sent, the console read."""
    send = (
        "from django.core.mail import send_mail;"
        "send_mail('订单已付款', '您的订单已付款。', None, ['a@example.com'])"
    )
    result = run("manage.py", "shell", "-c", send)

    assert result.returncode == 0, result.stderr
    assert "Subject: 订单已付款" in result.stdout
    assert "您的订单已付款。" in result.stdout
