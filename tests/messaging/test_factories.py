"""Each factory of tests/messaging/factories.py builds a row the model accepts, and
every model of the messaging app has one."""

from tests.factories import factory_tests
from tests.messaging import factories

test_the_factory_builds_a_valid_saved_row, test_every_model_has_a_factory = factory_tests(
    factories, "messaging"
)
