"""Periodic shop tasks (scheduled by celery beat, see CELERY_BEAT_SCHEDULE).
Each is idempotent: the order tasks re-check every order under its row lock,
and reconciling a day again replaces that day's result."""

import logging

from celery import shared_task

from shop.aftersales import actions as aftersales
from shop.aftersales import selectors as aftersales_selectors
from shop.orders import lifecycle, producer_notices
from shop.payments import expiry, reconciliation, refunds
from shop.payments.models import GatewayStatement

logger = logging.getLogger(__name__)


@shared_task
def expire_unpaid_orders() -> int:
    return expiry.expire_unpaid_orders()


@shared_task
def execute_pending_refunds() -> int:
    return refunds.execute_pending_refunds()


@shared_task
def complete_due_orders() -> int:
    # An order with an after-sales request waiting stays open until it is settled.
    return lifecycle.complete_due_orders(held=aftersales_selectors.orders_held())


@shared_task
def decide_overdue_aftersales() -> dict[str, int]:
    return aftersales.decide_overdue()


@shared_task
def confirm_overdue_deliveries() -> int:
    return lifecycle.confirm_overdue_deliveries()


@shared_task
def send_producer_digests() -> int:
    return producer_notices.send_digests()


@shared_task
def send_ship_by_reminders() -> int:
    return producer_notices.send_ship_by_reminders()


@shared_task
def reconcile_statements() -> dict[str, str]:
    """Reconcile yesterday's statement of every gateway; each one's status.
    What needs a person is logged at WARNING and listed in the admin."""
    day = reconciliation.yesterday()
    statuses = {}
    for gateway in reconciliation.gateways_to_reconcile():
        statement = reconciliation.reconcile_day(gateway=gateway, day=day)
        statuses[gateway] = statement.status
        if statement.status != GatewayStatement.Status.MATCHED:
            logger.warning(
                "statement %s %s: %s %s", gateway, day, statement.status, statement.error
            )
    return statuses
