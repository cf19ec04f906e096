import logging
import os

from celery import Celery
from celery import Task as BaseTask
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)


class Task(BaseTask):
    """Every task of the shop: if the broker cannot take it (Redis down), it runs here
    and now instead, so a sale's e-mail is sent late in the request rather than lost.

    Tasks are idempotent (DESIGN §9), so running one in the web process is always
    correct, only slower. A task whose result someone waits for should not be queued
    from a request anyway. Publishing gives up after CELERY_TASK_PUBLISH_RETRY_POLICY.
    A task whose work waits elsewhere until done (the outbox's relay: its row waits
    for the sweep) sets ``run_here_when_broker_down = False`` and gets the error.
    """

    run_here_when_broker_down = True

    def apply_async(self, args=None, kwargs=None, task_id=None, *rest, **options):
        try:
            return super().apply_async(args, kwargs, task_id, *rest, **options)
        except OperationalError as error:
            if not self.run_here_when_broker_down:
                raise
            logger.warning("Broker unavailable (%s): running %s in this process", error, self.name)
            # throw=False: the change that queued it has committed; a failure is logged
            # by Celery and must not turn the buyer's page into an error.
            return self.apply(args, kwargs, task_id=task_id, throw=False)


# Autodiscovery imports each app's ``tasks`` module (the periodic tasks of
# CELERY_BEAT_SCHEDULE and the outbox's relay); ``config`` is not a Django app.
app = Celery("aid_shop", include=["config.tasks"], task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
