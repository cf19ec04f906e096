"""Site-wide Celery tasks that belong to no app."""

import os
import socket

from celery import shared_task


@shared_task
def heartbeat() -> dict[str, int | str]:
    """Report who ran it, so a test (or an operator) can see a real worker answer.

    It reads and writes nothing, so running it twice is harmless.
    """
    return {"pid": os.getpid(), "hostname": socket.gethostname()}
