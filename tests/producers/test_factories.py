"""Each factory of tests/producers/factories.py builds a row the model accepts, and
every model of the producers app has one."""

from tests.factories import factory_tests
from tests.producers import factories

test_the_factory_builds_a_valid_saved_row, test_every_model_has_a_factory = factory_tests(
    factories, "producers"
)
