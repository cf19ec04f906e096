"""The cart service: a buyer changes their own cart, never another's; each
refusal says why and changes nothing; a guest's cart joins the account's."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import OuterRef

from shop.catalogue.models import ProductVariant
from shop.orders import cart as carts
from shop.orders import shipping
from shop.orders.models import Cart, CartLine
from tests.factories import UserFactory
from tests.shop.factories import ProductVariantFactory

pytestmark = pytest.mark.django_db


def test_changing_a_quantity_touches_only_this_carts_line(two_producers):
    tomato, _bag = two_producers
    mine, theirs = Cart.objects.create(), Cart.objects.create()
    carts.add_item(cart=theirs, variant_id=tomato.pk, quantity=2)
    carts.add_item(cart=mine, variant_id=tomato.pk, quantity=1)

    carts.set_quantity(cart=mine, variant_id=tomato.pk, quantity=3)

    assert CartLine.objects.get(cart=mine).quantity == 3
    assert CartLine.objects.get(cart=theirs).quantity == 2


# Each refusal says why and changes nothing --------------------------------------

NO_SUCH_VARIANT = "找不到该商品规格。"
NOT_SOLD = "找不到该商品规格，或已下架。"
BAD_QUANTITY = "请输入有效的数量。"
TOO_MANY = "每种商品一次最多购买 99 件。"
NOT_IN_CART = "购物车里没有这件商品。"
CART_GONE = "购物车已失效，请刷新页面后重试。"


def refused(call) -> str:
    with pytest.raises(carts.CartError) as error:
        call()
    return str(error.value)


def lines_of(cart) -> dict[int, int]:
    return dict(CartLine.objects.filter(cart=cart).values_list("variant_id", "quantity"))


def test_the_maximum_per_line_is_99():
    assert carts.MAX_QUANTITY_PER_LINE == 99


@pytest.mark.parametrize("variant_id", ["abc", None, ""])
def test_adding_something_that_is_no_variant_id_is_refused(variant_id):
    cart = Cart.objects.create()
    assert refused(lambda: carts.add_item(cart=cart, variant_id=variant_id, quantity=1)) == (
        NO_SUCH_VARIANT
    )
    assert lines_of(cart) == {}


def test_only_a_variant_on_sale_is_added(two_producers):
    tomato, bag = two_producers
    ProductVariant.objects.filter(pk=tomato.pk).update(is_active=False)
    bag.product.unpublish()
    cart = Cart.objects.create()
    for variant_id in (tomato.pk, bag.pk, 999999):
        assert refused(
            lambda pk=variant_id: carts.add_item(cart=cart, variant_id=pk, quantity=1)
        ) == (NOT_SOLD)
    assert lines_of(cart) == {}


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("abc", BAD_QUANTITY),
        (None, BAD_QUANTITY),
        (0, BAD_QUANTITY),
        (-1, TOO_MANY),
        (100, TOO_MANY),
    ],
)
def test_bad_quantities_are_refused_with_their_reason(two_producers, quantity, message):
    tomato, _bag = two_producers
    cart = Cart.objects.create()
    assert refused(lambda: carts.add_item(cart=cart, variant_id=tomato.pk, quantity=quantity)) == (
        message
    )
    assert lines_of(cart) == {}


def test_adding_again_adds_up_up_to_the_maximum(two_producers):
    tomato, _bag = two_producers
    ProductVariant.objects.filter(pk=tomato.pk).update(stock=500)
    cart = Cart.objects.create()
    first = carts.add_item(cart=cart, variant_id=str(tomato.pk), quantity="2")
    again = carts.add_item(cart=cart, variant_id=tomato.pk, quantity=3)
    assert (first.pk, again.quantity, lines_of(cart)) == (again.pk, 5, {tomato.pk: 5})
    carts.add_item(cart=cart, variant_id=tomato.pk, quantity=94)
    assert lines_of(cart) == {tomato.pk: 99}
    assert refused(lambda: carts.add_item(cart=cart, variant_id=tomato.pk, quantity=1)) == TOO_MANY
    assert lines_of(cart) == {tomato.pk: 99}


def test_what_is_added_is_held_against_the_stock(two_producers):
    _tomato, bag = two_producers  # 5 in stock
    cart = Cart.objects.create()
    carts.add_item(cart=cart, variant_id=bag.pk, quantity=3)
    assert refused(lambda: carts.add_item(cart=cart, variant_id=bag.pk, quantity=3)) == (
        f"“{bag}”仅剩 5 件。"
    )
    carts.add_item(cart=cart, variant_id=bag.pk, quantity=2)  # exactly what is left
    assert lines_of(cart) == {bag.pk: 5}
    ProductVariant.objects.filter(pk=bag.pk).update(stock=0)
    other = Cart.objects.create()
    assert refused(lambda: carts.add_item(cart=other, variant_id=bag.pk, quantity=1)) == (
        f"“{bag}”已售罄。"
    )
    assert lines_of(other) == {}


def test_a_cart_gone_meanwhile_is_refused(two_producers):
    tomato, _bag = two_producers
    cart = Cart.objects.create()
    carts.add_item(cart=cart, variant_id=tomato.pk, quantity=1)
    Cart.objects.filter(pk=cart.pk).delete()
    assert carts.lock(cart) is False
    assert refused(lambda: carts.add_item(cart=cart, variant_id=tomato.pk, quantity=1)) == (
        CART_GONE
    )
    assert refused(lambda: carts.set_quantity(cart=cart, variant_id=tomato.pk, quantity=2)) == (
        CART_GONE
    )
    assert not CartLine.objects.exists()


def test_a_cart_that_is_there_is_locked():
    assert carts.lock(Cart.objects.create()) is True


@pytest.mark.parametrize(
    ("variant_id", "message"),
    [
        ("abc", NO_SUCH_VARIANT),
        (None, NO_SUCH_VARIANT),
        (0, NOT_IN_CART),
        (-1, NOT_IN_CART),
        (2**63, NOT_IN_CART),
        ("other", NOT_IN_CART),
    ],
)
def test_changing_a_line_the_cart_does_not_hold_is_refused(two_producers, variant_id, message):
    tomato, bag = two_producers
    cart = Cart.objects.create()
    carts.add_item(cart=cart, variant_id=tomato.pk, quantity=1)
    variant_id = bag.pk if variant_id == "other" else variant_id
    assert refused(lambda: carts.set_quantity(cart=cart, variant_id=variant_id, quantity=2)) == (
        message
    )
    assert lines_of(cart) == {tomato.pk: 1}


def test_a_line_of_a_large_id_is_changed(two_producers):
    large = ProductVariantFactory(pk=2**40, stock=10)
    cart = Cart.objects.create()
    carts.add_item(cart=cart, variant_id=large.pk, quantity=1)
    carts.set_quantity(cart=cart, variant_id=large.pk, quantity=3)
    assert lines_of(cart) == {large.pk: 3}


def test_the_most_of_a_line_can_be_added_or_set_at_once(two_producers):
    tomato, bag = two_producers
    ProductVariant.objects.filter(pk__in=[tomato.pk, bag.pk]).update(stock=99)
    cart = Cart.objects.create()
    carts.add_item(cart=cart, variant_id=tomato.pk, quantity=99)
    carts.add_item(cart=cart, variant_id=bag.pk, quantity=1)
    carts.set_quantity(cart=cart, variant_id=bag.pk, quantity=99)
    assert lines_of(cart) == {tomato.pk: 99, bag.pk: 99}


def test_all_that_is_left_in_stock_can_be_added_at_once(two_producers):
    _tomato, bag = two_producers  # 5 left
    cart = Cart.objects.create()
    carts.add_item(cart=cart, variant_id=bag.pk, quantity=5)
    assert lines_of(cart) == {bag.pk: 5}


def test_adding_and_changing_a_line_read_the_variant_with_its_product(
    two_producers, django_assert_num_queries
):
    _tomato, bag = two_producers
    cart = Cart.objects.create()
    # In a savepoint: the variant with its product (on sale?), the lock, the line, its insert.
    with django_assert_num_queries(6):
        added = carts.add_item(cart=cart, variant_id=bag.pk, quantity=1)
        str(added.variant)  # the page's "已将…加入购物车" names the product
    # In a savepoint: the lock, the line with its variant, the update.
    with django_assert_num_queries(5):
        carts.set_quantity(cart=cart, variant_id=bag.pk, quantity=2)


def test_the_largest_id_is_still_looked_for(two_producers):
    cart = Cart.objects.create()
    assert refused(lambda: carts.set_quantity(cart=cart, variant_id=2**63 - 1, quantity=1)) == (
        NOT_IN_CART
    )


def test_set_quantity_sets_removes_and_is_held_against_the_stock(two_producers):
    tomato, bag = two_producers
    cart = Cart.objects.create()
    carts.add_item(cart=cart, variant_id=tomato.pk, quantity=1)
    carts.add_item(cart=cart, variant_id=bag.pk, quantity=1)
    carts.set_quantity(cart=cart, variant_id=str(bag.pk), quantity="5")
    assert lines_of(cart) == {tomato.pk: 1, bag.pk: 5}
    assert refused(lambda: carts.set_quantity(cart=cart, variant_id=bag.pk, quantity=6)) == (
        f"“{bag}”仅剩 5 件。"
    )
    assert refused(lambda: carts.set_quantity(cart=cart, variant_id=bag.pk, quantity=-1)) == (
        TOO_MANY
    )
    assert refused(lambda: carts.set_quantity(cart=cart, variant_id=bag.pk, quantity="x")) == (
        BAD_QUANTITY
    )
    assert lines_of(cart) == {tomato.pk: 1, bag.pk: 5}
    carts.set_quantity(cart=cart, variant_id=bag.pk, quantity=0)
    assert lines_of(cart) == {tomato.pk: 1}


# What the cart page shows -------------------------------------------------------


def test_no_cart_has_no_items():
    assert carts.items(None) == []


def test_items_say_what_each_line_costs_and_what_stands_in_its_way(
    two_producers, django_assert_num_queries
):
    tomato, bag = two_producers
    withdrawn = ProductVariantFactory(stock=10)
    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=tomato, quantity=2)
    CartLine.objects.create(cart=cart, variant=bag, quantity=6)
    CartLine.objects.create(cart=cart, variant=withdrawn, quantity=1)
    ProductVariant.objects.filter(pk=withdrawn.pk).update(is_active=False)
    with django_assert_num_queries(1):
        found = {item.variant.pk: item for item in carts.items(cart)}
        shown = {
            pk: (item.quantity, item.total_fen, item.problem, item.line.variant_id)
            for pk, item in found.items()
        }
        for item in found.values():  # what the page shows of each, without another query
            str(item.variant.product.producer.village)
            str(item.variant.product.category)
            shipping.policy_of(item.variant.product.producer)  # the cart's shipping quote
    withdrawn.refresh_from_db()
    assert shown == {
        tomato.pk: (2, 7960, "", tomato.pk),
        bag.pk: (6, 5940, f"“{bag}”仅剩 5 件。", bag.pk),
        withdrawn.pk: (1, withdrawn.price_fen, f"“{withdrawn}”已下架。", withdrawn.pk),
    }


def test_an_unpublished_products_line_is_withdrawn(two_producers):
    tomato, _bag = two_producers
    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=tomato, quantity=1)
    tomato.product.unpublish()
    assert [item.problem for item in carts.items(cart)] == [f"“{tomato}”已下架。"]


def test_clear_empties_only_that_cart(two_producers):
    tomato, _bag = two_producers
    cart, other = Cart.objects.create(), Cart.objects.create()
    for each in (cart, other):
        CartLine.objects.create(cart=each, variant=tomato, quantity=1)
    carts.clear(cart)
    assert (lines_of(cart), lines_of(other)) == ({}, {tomato.pk: 1})


# Whose cart, and the guest's at sign-in -----------------------------------------


class FakeRequest:
    def __init__(self, user, session=None):
        self.user = user
        self.session = {} if session is None else session


def test_a_buyers_cart_is_on_their_account():
    buyer = UserFactory()
    request = FakeRequest(buyer)
    assert carts.get_cart(request) is None
    cart = carts.get_cart(request, create=True)
    assert (cart.user, carts.get_cart(request), carts.get_cart(request, create=True)) == (
        buyer,
        cart,
        cart,
    )
    assert request.session == {}


def test_a_guests_cart_is_in_the_session_and_never_an_accounts():
    request = FakeRequest(AnonymousUser())
    assert carts.get_cart(request) is None
    assert Cart.objects.count() == 0
    cart = carts.get_cart(request, create=True)
    assert (cart.user, request.session) == (None, {carts.SESSION_KEY: cart.pk})
    assert carts.get_cart(request) == cart
    assert carts.get_cart(request, create=True) == cart
    someones = Cart.objects.create(user=UserFactory())
    assert carts.get_cart(FakeRequest(AnonymousUser(), {carts.SESSION_KEY: someones.pk})) is None


def test_the_guests_cart_joins_the_accounts_at_sign_in(two_producers):
    tomato, bag = two_producers
    third = ProductVariantFactory()
    buyer = UserFactory()
    account = Cart.objects.create(user=buyer)
    CartLine.objects.create(cart=account, variant=tomato, quantity=60)
    CartLine.objects.create(cart=account, variant=bag, quantity=1)
    guest = Cart.objects.create()
    CartLine.objects.create(cart=guest, variant=tomato, quantity=50)
    CartLine.objects.create(cart=guest, variant=third, quantity=2)
    request = FakeRequest(buyer, {carts.SESSION_KEY: guest.pk, "other": 1})

    carts.merge_cart_on_login(sender=None, request=request, user=buyer)

    assert lines_of(account) == {tomato.pk: 99, bag.pk: 1, third.pk: 2}
    assert not Cart.objects.filter(pk=guest.pk).exists()
    assert request.session == {"other": 1}


def test_a_guest_cart_joins_a_new_account_cart(two_producers):
    tomato, _bag = two_producers
    buyer = UserFactory()
    guest = Cart.objects.create()
    CartLine.objects.create(cart=guest, variant=tomato, quantity=2)
    carts.merge_guest_cart(guest_cart_id=guest.pk, user=buyer)
    assert lines_of(Cart.objects.get(user=buyer)) == {tomato.pk: 2}


def test_only_the_guest_cart_named_is_merged(two_producers):
    tomato, bag = two_producers
    buyer = UserFactory()
    strangers, mine = Cart.objects.create(), Cart.objects.create()
    CartLine.objects.create(cart=strangers, variant=tomato, quantity=4)
    CartLine.objects.create(cart=mine, variant=bag, quantity=1)
    carts.merge_guest_cart(guest_cart_id=mine.pk, user=buyer)
    assert lines_of(Cart.objects.get(user=buyer)) == {bag.pk: 1}
    assert lines_of(strangers) == {tomato.pk: 4}
    assert not Cart.objects.filter(pk=mine.pk).exists()


def test_only_a_guests_cart_is_merged(two_producers):
    tomato, _bag = two_producers
    buyer, other = UserFactory(), UserFactory()
    theirs = Cart.objects.create(user=other)
    CartLine.objects.create(cart=theirs, variant=tomato, quantity=2)
    carts.merge_guest_cart(guest_cart_id=theirs.pk, user=buyer)
    carts.merge_guest_cart(guest_cart_id=999999, user=buyer)
    assert lines_of(theirs) == {tomato.pk: 2}
    assert not Cart.objects.filter(user=buyer).exists()


@pytest.mark.parametrize("request_", [None, object()], ids=["no request", "no session"])
def test_a_sign_in_without_a_session_merges_nothing(request_):
    buyer = UserFactory()
    carts.merge_cart_on_login(sender=None, request=request_, user=buyer)
    assert not Cart.objects.exists()


def test_a_sign_in_without_a_guest_cart_creates_none():
    buyer = UserFactory()
    carts.merge_cart_on_login(sender=None, request=FakeRequest(buyer), user=buyer)
    assert not Cart.objects.exists()


# The header's badge ------------------------------------------------------------


def test_the_badge_counts_the_units_of_the_visitors_own_cart(two_producers):
    tomato, bag = two_producers
    guest = FakeRequest(AnonymousUser())
    guest_cart = carts.get_cart(guest, create=True)
    carts.add_item(cart=guest_cart, variant_id=tomato.pk, quantity=2)
    carts.add_item(cart=guest_cart, variant_id=bag.pk, quantity=3)
    buyer = UserFactory()
    carts.add_item(
        cart=carts.get_cart(FakeRequest(buyer), create=True), variant_id=bag.pk, quantity=1
    )
    carts.add_item(cart=Cart.objects.create(), variant_id=tomato.pk, quantity=4)  # another guest's
    assert carts.item_count(guest) == 5
    assert carts.item_count(FakeRequest(buyer)) == 1
    assert carts.item_count(FakeRequest(UserFactory())) == 0


def test_the_badge_of_each_account_is_read_with_its_user(two_producers):
    """``item_count_of_user``: the count of ``item_count``, as an expression over the
    user, so the page cache reads it with them in one query."""
    tomato, bag = two_producers
    alice, bob, carol = UserFactory(), UserFactory(), UserFactory()
    alices = carts.get_cart(FakeRequest(alice), create=True)
    carts.add_item(cart=alices, variant_id=tomato.pk, quantity=2)
    carts.add_item(cart=alices, variant_id=bag.pk, quantity=3)
    carts.add_item(
        cart=carts.get_cart(FakeRequest(bob), create=True), variant_id=bag.pk, quantity=1
    )
    carts.add_item(cart=Cart.objects.create(), variant_id=tomato.pk, quantity=4)  # a guest's

    counts = dict(
        get_user_model()
        .objects.annotate(units=carts.item_count_of_user(OuterRef("pk")))
        .values_list("pk", "units")
    )

    assert counts == {alice.pk: 5, bob.pk: 1, carol.pk: 0}
    assert counts[alice.pk] == carts.item_count(FakeRequest(alice))


def test_a_guest_without_a_cart_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert carts.item_count(FakeRequest(AnonymousUser())) == 0


def test_a_session_naming_an_accounts_cart_counts_nothing(two_producers):
    tomato, _bag = two_producers
    account_cart = Cart.objects.create(user=UserFactory())
    carts.add_item(cart=account_cart, variant_id=tomato.pk, quantity=2)
    guest = FakeRequest(AnonymousUser(), {carts.SESSION_KEY: account_cart.pk})
    assert carts.item_count(guest) == 0
