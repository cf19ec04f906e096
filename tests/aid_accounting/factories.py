import factory

from aid_accounting.models import Household
from tests.factories import VillageFactory


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    registration_number = factory.Sequence(lambda n: f"LGZ-test-{n:04d}")
    head_name = "孔祥轩"
    member_count = 3
    village = factory.SubFactory(VillageFactory)
    kind = Household.Kind.REGISTERED_POOR
    status = Household.Status.LIFTED_OUT
    helper_cadre = "示例干部001"
    id_number = "11010519491231002X"
    phone = "19900001234"
    bank_name = "示例农村商业银行"
    bank_account_number = "6200000000000001234"
