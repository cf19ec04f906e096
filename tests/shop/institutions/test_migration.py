"""The migration from the institution flag: each flagged buyer becomes the
manager of a unit with their invoice title and tax number; the flag goes."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from shop.institutions.models import BuyingUnit, UnitMembership
from shop.orders.models import BuyerProfile
from tests.factories import UserFactory

GRAPH = MigrationLoader(None, ignore_no_migrations=True).graph
UNITS = next(
    key for key in GRAPH.nodes if key == ("shop", "0022_buying_units_replace_institution_flag")
)
(BEFORE,) = (parent.key for parent in GRAPH.node_map[UNITS].parents if parent.key[0] == "shop")


def migrate(*targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets))
    executor.loader.build_graph()
    return executor


@pytest.fixture
def old_apps():
    yield migrate(BEFORE).loader.project_state([BEFORE]).apps
    migrate(*GRAPH.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_flagged_buyers_become_managers_of_their_own_units(old_apps):
    union, canteen, twin, person = (UserFactory() for _ in range(4))
    Profile = old_apps.get_model("shop", "BuyerProfile")
    Profile.objects.create(
        user_id=union.pk,
        is_institution=True,
        invoice_title="临清市总工会",
        tax_number="91371581MA3C00000R",
    )
    Profile.objects.create(user_id=canteen.pk, is_institution=True)
    Profile.objects.create(user_id=twin.pk, is_institution=True, invoice_title="临清市总工会")
    Profile.objects.create(user_id=person.pk, invoice_title="张三")

    migrate(UNITS)

    units = {m.user_id: m.unit for m in UnitMembership.objects.select_related("unit")}
    assert set(units) == {union.pk, canteen.pk, twin.pk}
    assert (units[union.pk].name, units[union.pk].invoice_title, units[union.pk].tax_number) == (
        "临清市总工会",
        "临清市总工会",
        "91371581MA3C00000R",
    )
    assert units[twin.pk].name == "临清市总工会（2）"
    assert units[canteen.pk].name == units[canteen.pk].invoice_title == f"单位采购账户 {canteen.pk}"
    assert set(UnitMembership.objects.values_list("role", flat=True)) == {"manager"}
    assert BuyingUnit.objects.count() == 3
    # Individuals keep their invoice details, for their own 发票 requests.
    assert BuyerProfile.objects.get(user=person).invoice_title == "张三"
    assert not hasattr(BuyerProfile, "is_institution")
