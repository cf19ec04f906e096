import pytest

from core.roles import TOWNSHIP_EDITOR
from producers.access import producer_group_name
from producers.models import Producer
from tests.factories import UserFactory
from tests.producers.factories import VillageFactory, producers_index
from tests.township import add_staff

pytestmark = pytest.mark.django_db


def empty_formset(prefix: str) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


@pytest.fixture
def editor_client(client):
    user = add_staff(TOWNSHIP_EDITOR)
    client.force_login(user)
    return client


def test_creating_a_producer_in_the_admin_sets_up_its_page_and_members(editor_client):
    producers_index()
    village = VillageFactory()
    member = UserFactory()
    data = {
        "name": "孔庄村手工坊",
        "code": "kongzhuang-crafts",
        "kind": Producer.Kind.WORKSHOP,
        "village": str(village.pk),
        "is_active": "on",
        "invoice_issuer": Producer.InvoiceIssuer.TOWNSHIP,
        **empty_formset("certificates"),
        **empty_formset("memberships"),
        "memberships-TOTAL_FORMS": "1",
        "memberships-0-user": str(member.pk),
        "memberships-0-role": "member",
        "memberships-0-ORDER": "1",
    }

    response = editor_client.post("/admin/snippets/producers/producer/add/", data)

    assert response.status_code == 302, response.context["form"].errors
    producer = Producer.objects.get(code="kongzhuang-crafts")
    assert not producer.page.live
    assert member.groups.filter(name=producer_group_name(producer)).exists()
    assert producer.page.permissions_for_user(member).can_add_subpage()


def test_a_producer_with_a_duplicate_code_is_refused_with_a_message(editor_client):
    producers_index()
    village = VillageFactory()
    Producer.objects.create(name="已有", code="taken", kind="workshop", village=village)
    data = {
        "name": "新的",
        "code": "taken",
        "kind": "workshop",
        "village": str(village.pk),
        **empty_formset("certificates"),
        **empty_formset("memberships"),
    }

    response = editor_client.post("/admin/snippets/producers/producer/add/", data)

    assert response.status_code == 200
    assert Producer.objects.filter(code="taken").count() == 1
