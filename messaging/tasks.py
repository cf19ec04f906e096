"""Celery tasks of the relay. The outbox row is the message: a task lost with its
broker only delays it until the next sweep."""

from celery import shared_task

from messaging import relay


# Nobody reads the result: queueing never touches the result store (Redis down still queues).
# Not run in the web process when the broker is down (config.celery.Task): the row waits
# for the sweep, so a request never sends mail itself.
@shared_task(ignore_result=True, run_here_when_broker_down=False)
def deliver_message(message_id: int) -> bool:
    return relay.deliver(message_id=message_id)


@shared_task(ignore_result=True)
def relay_due_messages() -> int:
    """The sweep: messages whose task was lost (broker down or hung) or whose retry is due."""
    return sum(relay.deliver(message_id=message_id) for message_id in relay.due_message_ids())
