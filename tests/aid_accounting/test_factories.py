"""Each factory of tests/aid_accounting/factories.py builds a row the model accepts, and
every model of the aid_accounting app has one."""

from tests.aid_accounting import factories
from tests.factories import factory_tests

test_the_factory_builds_a_valid_saved_row, test_every_model_has_a_factory = factory_tests(
    factories, "aid_accounting"
)
