"""factory-boy factories for the catalogue. Pages are added to the Wagtail tree
under the migrated HomePage, so tests see the same structure as the site."""

import io

import factory
from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images.models import Image

from producers.models import Producer, ProducerPage, ProducersIndexPage, Village
from shop.catalogue.models import Category, HomePage, ProductPage, ProductVariant


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


def jpeg_bytes(width: int = 640, height: int = 480, colour=(200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


class ImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Image

    title = factory.Sequence(lambda n: f"照片{n}")
    file = factory.LazyAttribute(
        lambda image: ImageFile(io.BytesIO(jpeg_bytes()), name=f"{image.title}.jpg")
    )


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


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = "vegetables"
    name = "蔬菜"
    return_policy = Category.ReturnPolicy.QUALITY_ONLY
    return_window_days = 2


def producers_index() -> ProducersIndexPage:
    home = HomePage.objects.get()
    index = ProducersIndexPage.objects.child_of(home).first()
    if index is None:
        index = ProducersIndexPage(title="生产者", slug="producers")
        home.add_child(instance=index)
    return index


class PageFactory(factory.django.DjangoModelFactory):
    """Adds the page under ``parent`` (a page) and publishes it unless live=False."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        live = kwargs.pop("live", True)
        page = model_class(*args, live=live, **kwargs)
        parent.add_child(instance=page)
        revision = page.save_revision()
        if live:
            revision.publish()
        return page


class ProducerPageFactory(PageFactory):
    class Meta:
        model = ProducerPage

    producer = factory.SubFactory(ProducerFactory)
    title = factory.LazyAttribute(lambda page: page.producer.name)
    slug = factory.LazyAttribute(lambda page: page.producer.code)
    parent = factory.LazyFunction(producers_index)


class ProductPageFactory(PageFactory):
    class Meta:
        model = ProductPage

    title = factory.Sequence(lambda n: f"大棚番茄{n}号")
    slug = factory.Sequence(lambda n: f"product-{n}")
    summary = "自然成熟的大棚番茄"
    category = factory.SubFactory(CategoryFactory)
    parent = factory.SubFactory(ProducerPageFactory)


class ProductVariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductVariant

    product = factory.SubFactory(ProductPageFactory)
    name = factory.Sequence(lambda n: f"{n + 1}斤装")
    price_fen = 3980
    stock = 10
