"""Who may see an order: its account, the members of the unit it was bought
for while they are members, the guest session that opened it; nobody else."""

import pytest

from shop.institutions.models import UnitMembership
from shop.orders.ownership import owns_order
from tests.factories import UserFactory
from tests.shop.factories import BuyingUnitFactory, OrderFactory, UnitMembershipFactory

pytestmark = pytest.mark.django_db


def test_a_units_order_is_its_members_and_no_one_elses():
    unit = BuyingUnitFactory()
    buyer, colleague, stranger = UserFactory(), UserFactory(), UserFactory()
    for member in (buyer, colleague):
        UnitMembershipFactory(unit=unit, user=member)
    UnitMembershipFactory(user=stranger)  # a member of another unit
    order = OrderFactory(user=buyer, buying_unit=unit, budget_year=2026)

    assert [owns_order(user, order) for user in (buyer, colleague, stranger)] == [
        True,
        True,
        False,
    ]
    UnitMembership.objects.filter(user=colleague).delete()
    assert not owns_order(colleague, order)


def test_a_personal_order_is_not_shared_with_the_buyers_unit():
    buyer, colleague = UserFactory(), UserFactory()
    membership = UnitMembershipFactory(user=buyer)
    UnitMembershipFactory(unit=membership.unit, user=colleague)
    order = OrderFactory(user=buyer)

    assert (owns_order(buyer, order), owns_order(colleague, order)) == (True, False)


def test_a_guest_order_is_the_sessions_that_opened_it():
    order = OrderFactory()
    assert owns_order(None, order, guest_orders=[order.number])
    assert not owns_order(UserFactory(), order, guest_orders=[])
