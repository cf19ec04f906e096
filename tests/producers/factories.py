"""factory-boy factories for every model of the producers app. Pages are added
to the Wagtail tree under the migrated HomePage, so tests see the site's structure."""

import datetime

import factory

from producers.models import (
    MemberProfile,
    PortalActivity,
    Producer,
    ProducerCertificate,
    ProducerMembership,
    ProducerPage,
    ProducersIndexPage,
    Village,
)
from shop.catalogue.models import HomePage
from tests.factories import PageFactory, UserFactory


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    code = factory.Sequence(lambda n: f"village-{n}")
    name = factory.Sequence(lambda n: f"测试{n}村")
    is_poor_village = True
    is_key_village = True


class ProducerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Producer

    code = factory.Sequence(lambda n: f"producer-{n}")
    name = factory.Sequence(lambda n: f"测试合作社{n}")
    kind = Producer.Kind.COOPERATIVE
    village = factory.SubFactory(VillageFactory)


class ProducerCertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProducerCertificate

    producer = factory.SubFactory(ProducerFactory)
    number = factory.Sequence(lambda n: f"PC-{n}")
    issuing_body = "示例农业农村局"
    valid_from = datetime.date(2026, 1, 1)
    valid_to = datetime.date(2027, 1, 1)


class ProducerMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProducerMembership

    producer = factory.SubFactory(ProducerFactory)
    user = factory.SubFactory(UserFactory)
    role = ProducerMembership.Role.MEMBER


class MemberProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberProfile

    user = factory.SubFactory(UserFactory)
    mobile = factory.Sequence(lambda n: f"139{n:08d}")


class PortalActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PortalActivity

    user = factory.SubFactory(UserFactory)
    producer = factory.SubFactory(ProducerFactory)
    action = "stock"
    summary = "＋1"


def producers_index() -> ProducersIndexPage:
    """The site's one producers index (``max_count = 1``), added under the home page if absent."""
    home = HomePage.objects.get()
    index = ProducersIndexPage.objects.child_of(home).first()
    if index is None:
        index = ProducersIndexPage(title="生产者", slug="producers")
        home.add_child(instance=index)
    return index


class ProducersIndexPageFactory(factory.django.DjangoModelFactory):
    """The index page allows one instance, so this returns that one (see producers_index)."""

    class Meta:
        model = ProducersIndexPage

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return producers_index()


class ProducerPageFactory(PageFactory):
    class Meta:
        model = ProducerPage

    producer = factory.SubFactory(ProducerFactory)
    title = factory.LazyAttribute(lambda page: page.producer.name)
    slug = factory.LazyAttribute(lambda page: page.producer.code)
    parent = factory.LazyFunction(producers_index)
