"""E-mail to the aid officers about an objection (异议) to a public notice,
sent by a Celery task after the objection has committed (see notices.submit_objection)."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from aid_accounting.notices.models import NoticeObjection
from core.roles import AID_OFFICER


def officer_emails() -> list[str]:
    users = get_user_model().objects.filter(groups__name=AID_OFFICER, is_active=True)
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


# Nobody reads its result: queueing it then never touches the result store, so it
# works with Redis down (config.celery.Task runs it in-process).
# Named as before the notices left ``transparency``, so e-mails queued then still run.
@shared_task(
    name="aid_accounting.transparency.mail.send_objection_email",
    bind=True,
    ignore_result=True,
    max_retries=5,
    default_retry_delay=60,
)
def send_objection_email(self, objection_id: int) -> bool:
    """Idempotent: ``emailed_at`` records the e-mail, so a retry never sends it twice."""
    objection = (
        NoticeObjection.objects.select_related("notice__village", "notice__period")
        .filter(pk=objection_id, emailed_at__isnull=True)
        .first()
    )
    recipients = officer_emails()
    if objection is None or not recipients:
        return False
    context = {
        "objection": objection,
        "notice": objection.notice,
        "admin_url": settings.WAGTAILADMIN_BASE_URL
        + reverse("aid_notice_objections:inspect", args=[objection.pk]),
    }
    subject = render_to_string("aid_accounting/notices/objection_subject.txt", context).strip()
    body = render_to_string("aid_accounting/notices/objection_email.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except OSError as error:
        raise self.retry(exc=error) from error
    NoticeObjection.objects.filter(pk=objection.pk).update(emailed_at=timezone.now())
    return True
