"""Periodic shop tasks (scheduled by celery beat, see CELERY_BEAT_SCHEDULE).
Each is idempotent: it re-checks every order under its row lock."""

from celery import shared_task

from shop.orders import lifecycle
from shop.payments import expiry


@shared_task
def expire_unpaid_orders() -> int:
    return expiry.expire_unpaid_orders()


@shared_task
def complete_due_orders() -> int:
    return lifecycle.complete_due_orders()


@shared_task
def confirm_overdue_deliveries() -> int:
    return lifecycle.confirm_overdue_deliveries()
