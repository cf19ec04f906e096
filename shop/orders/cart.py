"""The cart: a guest's lives in the session (by id), a buyer's on the account;
they merge when the guest signs in. Quantities are checked against stock
here for a friendly message, and again, atomically, when the order is placed.

Every change to a cart's lines is made under the cart's row lock, as placing
an order from it is (shop.orders.checkout), so a double click adds twice in
turn instead of two inserts colliding on the one-line-per-variant constraint."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from shop.catalogue.models import ProductVariant
from shop.orders.models import Cart, CartLine

SESSION_KEY = "cart_id"

MAX_QUANTITY_PER_LINE = 99


class CartError(Exception):
    """A change the cart refused, with a message for the buyer."""


@dataclass(frozen=True)
class CartItem:
    line: CartLine
    variant: ProductVariant
    quantity: int
    total_fen: int
    problem: str  # why this line cannot be bought as it is, or ""


def _sellable_variant(variant_id) -> ProductVariant:
    try:
        variant_id = int(variant_id)
    except (TypeError, ValueError):
        raise CartError(_("找不到该商品规格。")) from None
    variant = (
        ProductVariant.objects.select_related("product")
        .filter(pk=variant_id, is_active=True, product__live=True)
        .first()
    )
    if variant is None:
        raise CartError(_("找不到该商品规格，或已下架。"))
    return variant


def _checked_quantity(quantity) -> int:
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise CartError(_("请输入有效的数量。")) from None
    if quantity < 0 or quantity > MAX_QUANTITY_PER_LINE:
        raise CartError(_("每种商品一次最多购买 %(max)s 件。") % {"max": MAX_QUANTITY_PER_LINE})
    return quantity


def get_cart(request, *, create: bool = False) -> Cart | None:
    if request.user.is_authenticated:
        if create:
            return Cart.objects.get_or_create(user=request.user)[0]
        return Cart.objects.filter(user=request.user).first()
    cart = Cart.objects.filter(pk=request.session.get(SESSION_KEY), user=None).first()
    if cart is None and create:
        cart = Cart.objects.create()
        request.session[SESSION_KEY] = cart.pk
    return cart


def lock(cart: Cart) -> bool:
    """Hold ``cart``'s row until the caller's transaction ends (on SQLite,
    IMMEDIATE transactions already run one at a time). False if the cart is
    gone: merged into an account's cart at sign-in since the request found it."""
    return Cart.objects.select_for_update().filter(pk=cart.pk).exists()


def _lock(cart: Cart) -> None:
    if not lock(cart):
        raise CartError(_("购物车已失效，请刷新页面后重试。"))


def _too_many(variant: ProductVariant, quantity: int) -> str:
    if variant.stock == 0:
        return _("“%(item)s”已售罄。") % {"item": variant}
    if quantity > variant.stock:
        return _("“%(item)s”仅剩 %(stock)s 件。") % {"item": variant, "stock": variant.stock}
    return ""


def add_item(*, cart: Cart, variant_id, quantity) -> CartLine:
    with transaction.atomic():
        variant = _sellable_variant(variant_id)
        quantity = _checked_quantity(quantity)
        if quantity == 0:
            raise CartError(_("请输入有效的数量。"))
        _lock(cart)
        line = CartLine.objects.filter(cart=cart, variant=variant).first()
        wanted = quantity + (line.quantity if line else 0)
        if wanted > MAX_QUANTITY_PER_LINE:
            raise CartError(_("每种商品一次最多购买 %(max)s 件。") % {"max": MAX_QUANTITY_PER_LINE})
        if problem := _too_many(variant, wanted):
            raise CartError(problem)
        if line is None:
            return CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
        line.quantity = wanted
        line.save(update_fields=["quantity"])
        return line


def set_quantity(*, cart: Cart, variant_id, quantity) -> None:
    """Set a line's quantity; 0 removes it."""
    with transaction.atomic():
        quantity = _checked_quantity(quantity)
        try:
            variant_id = int(variant_id)
        except (TypeError, ValueError):
            raise CartError(_("找不到该商品规格。")) from None
        if not 0 < variant_id < 2**63:
            # No id is beyond a signed 64-bit integer, and SQLite cannot even compare one that is.
            raise CartError(_("购物车里没有这件商品。"))
        _lock(cart)
        line = (
            CartLine.objects.select_related("variant")
            .filter(cart=cart, variant_id=variant_id)
            .first()
        )
        if line is None:
            raise CartError(_("购物车里没有这件商品。"))
        if quantity == 0:
            line.delete()
            return
        if problem := _too_many(line.variant, quantity):
            raise CartError(problem)
        line.quantity = quantity
        line.save(update_fields=["quantity"])


def items(cart: Cart | None) -> list[CartItem]:
    if cart is None:
        return []
    lines = cart.lines.select_related(
        "variant__product__producer__village",
        "variant__product__producer__shipping_policy",  # for the shipping quote
        "variant__product__category",
    )
    result = []
    for line in lines:
        variant = line.variant
        if not (variant.is_active and variant.product.live):
            problem = _("“%(item)s”已下架。") % {"item": variant}
        else:
            problem = _too_many(variant, line.quantity)
        result.append(
            CartItem(
                line=line,
                variant=variant,
                quantity=line.quantity,
                total_fen=variant.price_fen * line.quantity,
                problem=problem,
            )
        )
    return result


def item_count(request) -> int:
    """How many items (units, not lines) the visitor's cart holds, for the header's
    badge: no query for a guest without a cart in the session, else one aggregate."""
    if request.user.is_authenticated:
        lines = CartLine.objects.filter(cart__user=request.user)
    else:
        cart_id = request.session.get(SESSION_KEY)
        if cart_id is None:
            return 0
        lines = CartLine.objects.filter(cart_id=cart_id, cart__user=None)
    return lines.aggregate(count=Sum("quantity"))["count"] or 0


def item_count_of_user(user: OuterRef) -> Coalesce:
    """``item_count`` of the account ``user`` refers to, as an expression: read
    with the user in one query (the page cache's signed-in buyer)."""
    units = (
        CartLine.objects.filter(cart__user=user)
        .values("cart__user")
        .annotate(units=Sum("quantity"))
        .values("units")
    )
    return Coalesce(Subquery(units), 0)


def merge_guest_cart(*, guest_cart_id, user) -> None:
    """Move a guest cart's lines into the account's cart (quantities add up,
    capped by the per-line limit), then drop the guest cart."""
    with transaction.atomic():
        # The guest's cart first, then the account's: the one order every locker of two carts uses.
        guest = Cart.objects.select_for_update().filter(pk=guest_cart_id, user=None).first()
        if guest is None:
            return
        account_cart, _created = Cart.objects.get_or_create(user=user)
        _lock(account_cart)
        for line in guest.lines.all():
            existing = CartLine.objects.filter(
                cart=account_cart, variant_id=line.variant_id
            ).first()
            if existing:
                existing.quantity = min(existing.quantity + line.quantity, MAX_QUANTITY_PER_LINE)
                existing.save(update_fields=["quantity"])
            else:
                CartLine.objects.create(
                    cart=account_cart, variant_id=line.variant_id, quantity=line.quantity
                )
        guest.delete()


def clear(cart: Cart) -> None:
    cart.lines.all().delete()


def merge_cart_on_login(sender, request, user, **kwargs) -> None:
    """Django's user_logged_in receiver: the guest's cart joins the account's."""
    if request is None or not hasattr(request, "session"):
        return
    guest_cart_id = request.session.pop(SESSION_KEY, None)
    if guest_cart_id is not None:
        merge_guest_cart(guest_cart_id=guest_cart_id, user=user)
