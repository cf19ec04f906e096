"""The aid officers' digest of objections (异议) to public notices: one e-mail per
officer listing the objections not yet in a digest (the hourly beat task
``send_objection_digests``), owed through the outbox in the transaction that marks
them digested.

The objection's text is written by anyone on the internet and is sent from the shop's
address, so the digest quotes only a short excerpt with control characters removed,
never the name, contact or full text: the officer reads those in the admin."""

import datetime
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from aid_accounting.notices.models import NoticeObjection
from core.roles import AID_OFFICER
from messaging.outbox import owe_email

EXCERPT_LENGTH = 60
# Objections listed one by one in a digest; any more are counted.
DIGEST_LISTED = 20


def officer_emails() -> list[str]:
    users = get_user_model().objects.filter(groups__name=AID_OFFICER, is_active=True)
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


def safe_excerpt(text: str, *, length: int = EXCERPT_LENGTH) -> str:
    """The first ``length`` characters of ``text`` on one line: control and format
    characters (newlines, bidi overrides, zero-width ones) dropped, runs of white
    space made one space, and "…" when cut."""
    kept = "".join(
        " " if char.isspace() else char
        for char in text
        if char.isspace() or not unicodedata.category(char).startswith("C")
    )
    line = " ".join(kept.split())
    return line if len(line) <= length else line[:length] + "…"


def owe_objection_digests(*, now: datetime.datetime | None = None) -> int:
    """Owe each aid officer one e-mail listing the objections not yet in a digest,
    and mark them digested, in one transaction; return how many it listed. The key
    names the objections, so a retried run owes nothing twice, and a second run finds
    none left. In the officers' language (the site's)."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        objections = list(
            NoticeObjection.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(digested_at__isnull=True)
            .select_related("notice__village", "notice__period", "row")
            .order_by("pk")
        )
        if not objections:
            return 0
        context = {
            "count": len(objections),
            "listed": [
                {
                    "objection": objection,
                    "excerpt": safe_excerpt(objection.message),
                    "admin_url": settings.WAGTAILADMIN_BASE_URL
                    + reverse("aid_notice_objections:inspect", args=[objection.pk]),
                }
                for objection in objections[:DIGEST_LISTED]
            ],
            "more": max(0, len(objections) - DIGEST_LISTED),
            "list_url": settings.WAGTAILADMIN_BASE_URL + reverse("aid_notice_objections:index"),
        }
        with translation.override(settings.LANGUAGE_CODE):
            subject = render_to_string(
                "aid_accounting/notices/objection_digest_subject.txt", context
            ).strip()
            body = render_to_string("aid_accounting/notices/objection_digest_email.txt", context)
        span = f"{objections[0].pk}-{objections[-1].pk}"
        for address in officer_emails():
            owe_email(
                key=f"notice-objection-digest:{span}:email:{address}",
                to=address,
                subject=subject,
                body=body,
            )
        NoticeObjection.objects.filter(pk__in=[o.pk for o in objections]).update(digested_at=now)
    return len(objections)
