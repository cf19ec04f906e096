"""The development e-mail backend: each message on the console as a person reads it.

Django's console backend writes the message as it goes over the wire, so a Chinese
subject is an encoded word (=?utf-8?b?...?=) and a Chinese body base64 or
quoted-printable. This one writes the headers decoded and the text body as text, and
names the other parts (an HTML alternative, attachments) without their content.
"""

from django.core.mail.backends.console import EmailBackend

# Headers about the encoding on the wire, which the text written here no longer has.
WIRE_HEADERS = frozenset({"content-type", "content-transfer-encoding", "mime-version"})


def readable(message) -> str:
    """``message`` (a Django ``EmailMessage``) as headers and text."""
    mime = message.message()
    lines = [f"{name}: {value}" for name, value in mime.items() if name.lower() not in WIRE_HEADERS]
    body = mime.get_body(preferencelist=("plain",))
    lines += ["", body.get_content().rstrip("\n") if body is not None else "(no text body)"]
    for part in mime.walk():
        if part.is_multipart() or part is body:
            continue
        name = part.get_filename()
        lines.append(f"[{part.get_content_type()}{f' {name}' if name else ''} not shown]")
    return "\n".join(lines)


class ReadableConsoleBackend(EmailBackend):
    def write_message(self, message):
        self.stream.write(f"{readable(message)}\n")
        self.stream.write("-" * 79)
        self.stream.write("\n")
