import factory

from aid_accounting.households.models import Household
from aid_accounting.payouts.models import ProducerPayoutAccount
from tests.factories import ProducerFactory, VillageFactory


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


class ProducerPayoutAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProducerPayoutAccount

    producer = factory.SubFactory(ProducerFactory)
    holder_name = factory.LazyAttribute(lambda account: account.producer.name)
    bank_name = "示例农村商业银行"
    bank_account_number = "62000000000990001"
