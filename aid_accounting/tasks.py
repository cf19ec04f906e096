"""Scheduled aid-accounting tasks (celery beat, see CELERY_BEAT_SCHEDULE)."""

import logging

from celery import shared_task

from aid_accounting.notices.mail import owe_objection_digests
from aid_accounting.periods.close import close_due_periods
from aid_accounting.privacy.retention import apply_retention, summary
from core.roles import SYSTEM

logger = logging.getLogger(__name__)


# Acknowledged only when done, and handed back if the worker dies meanwhile (the global
# settings say so too; a close must not rely on them): a close cut off by a killed worker
# runs again, on another worker, after the broker's visibility timeout.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def close_previous_period() -> list[str]:
    """Close the month just ended, and any earlier one a stopped scheduler
    missed. Idempotent: a closed month is skipped, and a close is one
    database transaction, so a crash half-way leaves nothing to undo."""
    return [result.period.code for result in close_due_periods()]


@shared_task
def send_objection_digests() -> int:
    """Owe each aid officer one e-mail listing the objections not yet in a digest.
    Idempotent: the objections listed are marked in the same transaction."""
    return owe_objection_digests()


@shared_task
def apply_household_retention() -> list[str]:
    """Anonymise the households past the retention period; the run is logged.
    Idempotent: an anonymised household is not looked at again, and each one
    is its own database transaction."""
    run = apply_retention(actor=SYSTEM)
    for line in summary(run):
        logger.info(line)
    return [household.registration_number for household in run.due]
