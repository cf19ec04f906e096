import pytest

from tests.aid_accounting.factories import ProducerPayoutAccountFactory


@pytest.fixture
def tomato_producer(tomato, tomato_rule):
    """The tomatoes' producer, with a payout account, 25 % of its sales to the pool."""
    producer = tomato.product.producer
    ProducerPayoutAccountFactory(producer=producer)
    return producer
