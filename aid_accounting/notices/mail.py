"""E-mail to the aid officers about an objection (异议) to a public notice: one
message per officer, owed in the objection's transaction (``messaging.outbox``),
so it is sent once the objection is committed and never for one that rolled back."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from aid_accounting.notices.models import NoticeObjection
from core.roles import AID_OFFICER
from messaging.outbox import owe_email


def officer_emails() -> list[str]:
    users = get_user_model().objects.filter(groups__name=AID_OFFICER, is_active=True)
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


def owe_objection_emails(*, objection: NoticeObjection) -> None:
    """Inside the objection's transaction. In the officers' language (the site's), not
    the language of the page the objection came from."""
    context = {
        "objection": objection,
        "notice": objection.notice,
        "admin_url": settings.WAGTAILADMIN_BASE_URL
        + reverse("aid_notice_objections:inspect", args=[objection.pk]),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("aid_accounting/notices/objection_subject.txt", context).strip()
        body = render_to_string("aid_accounting/notices/objection_email.txt", context)
    for address in officer_emails():
        owe_email(
            key=f"notice-objection:{objection.pk}:email:{address}",
            to=address,
            subject=subject,
            body=body,
        )
