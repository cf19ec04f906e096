import pytest

from shop.checkout import ShippingAddress
from tests.factories import ProducerPageFactory, ProductPageFactory, ProductVariantFactory

ADDRESS = {
    "email": "buyer@example.com",
    "recipient": "王示例",
    "mobile": "13812345678",
    "province": "北京市",
    "city": "北京市",
    "district": "朝阳区",
    "street": "示例路1号",
}


@pytest.fixture
def address() -> ShippingAddress:
    return ShippingAddress(**{k: v for k, v in ADDRESS.items() if k != "email"})


@pytest.fixture
def two_producers():
    """Two variants from two producers: 39.80 (stock 10) and 9.90 (stock 5)."""
    tomato = ProductVariantFactory(
        product=ProductPageFactory(title="大棚番茄", parent=ProducerPageFactory()),
        name="5斤装",
        price_fen=3980,
        stock=10,
    )
    bag = ProductVariantFactory(
        product=ProductPageFactory(title="购物袋", parent=ProducerPageFactory()),
        name="单个",
        price_fen=990,
        stock=5,
    )
    return tomato, bag
