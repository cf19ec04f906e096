import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shop.catalogue.models import Category
from tests.factories import UserFactory
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import CategoryFactory, ProductPageFactory, ProductVariantFactory
from tests.township import add_member, at, deliver, sell


def jpeg_with_gps(name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    """A phone photo whose EXIF holds a GPS position."""
    image = Image.new("RGB", (64, 48), (200, 40, 40))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer", email="buyer@example.com")


@pytest.fixture
def member(tomato):
    return add_member(tomato.product.producer)


@pytest.fixture
def editor(staff):
    """The township editor (core.roles.TOWNSHIP_EDITOR) who decides escalations."""
    return staff


@pytest.fixture
def delivered(clock, tomato, tomato_rule, buyer):
    """The buyer's order of 3 boxes of tomatoes (¥39.80 each, 25 % aid),
    delivered on 2026-10-02 at 10:00; now is an hour later."""
    clock.set("2026-10-01")
    order = sell([(tomato, 3)], user=buyer)
    deliver(order, at=at("2026-10-02"))
    clock.now = at("2026-10-02", 11)
    order.refresh_from_db()
    return order


@pytest.fixture
def craft(db):
    """A craft (七天无理由, 7 days) of a producer of its own."""
    category = CategoryFactory(
        slug="crafts",
        name="手工艺品",
        return_policy=Category.ReturnPolicy.NO_REASON,
        return_window_days=7,
    )
    return ProductVariantFactory(
        product=ProductPageFactory(title="柳编篮", category=category, parent=ProducerPageFactory()),
        name="大号",
        price_fen=8800,
        stock=5,
    )
