"""The factories of Django's and Wagtail's own models build rows they accept."""

from tests import factories
from tests.factories import factory_tests

(test_the_factory_builds_a_valid_saved_row,) = factory_tests(factories)
