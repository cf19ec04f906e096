"""Every periodic task the beat schedule names exists, so a renamed task
cannot silently stop expiring orders or closing periods."""

from importlib import import_module

import pytest
from celery import Task
from django.conf import settings


@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_beat_entry_names_a_celery_task(entry):
    module_name, _, function_name = settings.CELERY_BEAT_SCHEDULE[entry]["task"].rpartition(".")
    task = getattr(import_module(module_name), function_name)
    assert isinstance(task, Task)
    assert task.name == settings.CELERY_BEAT_SCHEDULE[entry]["task"]


def test_the_previous_period_is_closed_by_beat():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "aid_accounting.tasks.close_previous_period" in tasks
