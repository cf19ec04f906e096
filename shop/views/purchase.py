"""Cart, checkout and the buyer's order page. Thin: every rule lives in
shop.orders.cart, shop.orders.checkout, shop.orders.lifecycle and shop.payments."""

import secrets

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.money import format_yuan
from shop.aftersales import actions as aftersales
from shop.institutions.models import BuyingUnit
from shop.orders import cart as carts
from shop.orders.checkout import CheckoutError, place_order
from shop.orders.forms import ADDRESS_FIELDS, CheckoutForm, UnitCheckoutForm
from shop.orders.links import order_from_token
from shop.orders.models import Address, NotifyBy, Order
from shop.orders.ownership import can_view_order, remember_guest_order
from shop.orders.regions import REGIONS_STATIC_PATH, regions
from shop.orders.shipping import shipping_quote
from shop.payments.choices import payment_choices
from shop.payments.gateway import PaymentError, enabled_gateways
from shop.payments.payer import device_of, payer_from_request
from shop.payments.selectors import surplus_payments
from shop.payments.services import start_payment


def _back(request, fallback: str = "cart"):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        # Never redirect(target): a bare word there is taken for a view name and crashes.
        return HttpResponseRedirect(target)
    return redirect(fallback)


def _default_province(request) -> str:
    """The province of a signed-in buyer's default address, or "" (not known yet)."""
    if not request.user.is_authenticated:
        return ""
    return (
        Address.objects.filter(user=request.user).values_list("province", flat=True).first() or ""
    )


def cart_detail(request):
    cart = carts.get_cart(request)
    items = carts.items(cart)
    quote = shipping_quote(items=items, province=_default_province(request) if items else "")
    return render(
        request,
        "shop/cart.html",
        {
            "items": items,
            "quote": quote,
            "can_check_out": bool(items) and not any(item.problem for item in items),
        },
    )


@require_POST
def cart_add(request):
    try:
        line = carts.add_item(
            cart=carts.get_cart(request, create=True),
            variant_id=request.POST.get("variant"),
            quantity=request.POST.get("quantity", 1),
        )
    except carts.CartError as error:
        messages.error(request, str(error))
        return _back(request)
    messages.success(request, _("已将“%(item)s”加入购物车。") % {"item": line.variant})
    # The product page's 立即购买 adds the item as 加入购物车 does, then goes straight on.
    if request.POST.get("buy_now"):
        return redirect("checkout")
    return redirect("cart")


@require_POST
def cart_update(request):
    cart = carts.get_cart(request)
    if cart is None:
        return redirect("cart")
    try:
        carts.set_quantity(
            cart=cart, variant_id=request.POST.get("variant"), quantity=request.POST.get("quantity")
        )
    except carts.CartError as error:
        messages.error(request, str(error))
    return redirect("cart")


# The session's checkout token (shop.orders.checkout.place_order's ``checkout_token``).
# A submit without one (not from the page) places an order each time, as before tokens.
CHECKOUT_TOKEN_KEY = "checkout_token"


def _buying_units(request) -> list[BuyingUnit]:
    """The active units the signed-in buyer may order for."""
    if not request.user.is_authenticated:
        return []
    return list(BuyingUnit.objects.filter(is_active=True, memberships__user=request.user))


def _initial_checkout(request, addresses: list[Address]) -> dict:
    if not request.user.is_authenticated:
        return {}
    initial = {"email": request.user.email}
    if addresses:
        # The default address, chosen and filled in: a buyer who has one only submits.
        address = addresses[0]
        initial["saved_address"] = address.pk
        initial.update({field: getattr(address, field) for field in ADDRESS_FIELDS})
    return initial


def _province_of(data, addresses: list[Address]) -> str:
    """The province the buyer chose on the checkout form (``data``: its
    submitted data or its initial values): a saved address's, or the
    province field's; "" if none yet."""
    saved = str(data.get("saved_address") or "")
    for address in addresses:
        if str(address.pk) == saved:
            return address.province
    province = data.get("province") or ""
    return province if province in regions() else ""


@never_cache
@require_GET
def checkout_shipping(request):
    """The checkout page's summary for another province (the page's script
    asks for it when the buyer changes the address): fees from the same rule
    that placing the order charges."""
    items = carts.items(carts.get_cart(request))
    province = request.GET.get("province", "")
    quote = shipping_quote(items=items, province=province if province in regions() else "")
    return render(request, "shop/includes/checkout_summary.html", {"quote": quote})


@never_cache
def checkout(request):
    # The cart is read before the submitted token's order is looked up: a submit
    # racing the one that places it then finds either the cart as it was (and
    # waits for that order under the cart's lock) or the order, which empties
    # the cart in its own transaction; never an empty cart without the order.
    cart = carts.get_cart(request)
    items = carts.items(cart)
    token = request.POST.get("checkout_token", "")
    stale = bool(token) and not constant_time_compare(
        token, request.session.get(CHECKOUT_TOKEN_KEY, "")
    )
    if token and not stale:
        placed = Order.objects.filter(checkout_token=token).first()
        if placed is not None:
            messages.info(request, _("这个订单已经提交过了，不会重复下单，请继续付款。"))
            remember_guest_order(request, placed)
            return _pay(request, placed)
    if not items:
        return redirect("cart")
    units = _buying_units(request)
    addresses = (
        list(Address.objects.filter(user=request.user)) if request.user.is_authenticated else []
    )
    # A submit for a unit the buyer can no longer order for (removed, unit
    # stopped since the page was shown) is refused, not placed as their own.
    for_unit = bool(units) or bool(request.POST.get("buy_for"))
    unit_form = {"units": units} if for_unit else {}
    form = (UnitCheckoutForm if for_unit else CheckoutForm)(
        request.POST or None,
        initial=_initial_checkout(request, addresses),
        user=request.user,
        **unit_form,
    )
    if not form.is_bound and not addresses:
        # A new address starts at its first field: the keyboard is up without a tap.
        form.fields["recipient"].widget.attrs["autofocus"] = True
    quote = shipping_quote(
        items=items, province=_province_of(form.data if form.is_bound else form.initial, addresses)
    )
    problems = [item.problem for item in items if item.problem]
    if stale:
        problems.append(_("这个结算页面已经过期，请核对订单后重新提交。"))
    # What the page showed as the total when the buyer submitted it. Without
    # JavaScript the summary cannot follow a change of address; then the
    # order waits for the buyer to see the new total and submit again.
    shown_total = request.POST.get("shown_total_fen")
    recheck = ""
    if request.method == "POST" and shown_total is not None and shown_total != str(quote.total_fen):
        recheck = _("应付金额已按收货地址更新为 %(total)s，请核对后再次提交订单。") % {
            "total": format_yuan(quote.total_fen)
        }
    if request.method == "POST" and form.is_valid() and not problems and not recheck:
        data = form.cleaned_data
        by_transfer = data.get("pay_by") == "bank_transfer"
        unit = data.get("buying_unit")
        try:
            order = place_order(
                cart=cart,
                checkout_token=token or None,
                email=data["email"],
                address=form.shipping_address(),
                gateway="offline" if by_transfer else enabled_gateways()[0],
                channel=Order.Channel.OFFLINE if by_transfer else Order.Channel.ONLINE,
                user=request.user,
                notify_by=data["notify_by"] or NotifyBy.BOTH,
                buying_unit_id=unit.pk if unit else None,
                # A unit's purchase is charged to the year it is made in (预算年度
                # is the calendar year); place_order checks the membership again.
                budget_year=timezone.localdate().year if unit else None,
            )
        except CheckoutError as error:
            problems = error.messages
        else:
            new_address = data["saved_address"] is None
            if request.user.is_authenticated and new_address and data["save_address"]:
                _save_address(request.user, form)
            remember_guest_order(request, order)
            return _after_checkout(request, order)
    return render(
        request,
        "shop/checkout.html",
        {
            "form": form,
            "checkout_token": _checkout_token(request),
            "quote": quote,
            "problems": problems,
            "recheck": recheck,
            "has_saved_addresses": bool(addresses),
            "regions_path": REGIONS_STATIC_PATH,
            "budget_year": timezone.localdate().year,
        },
    )


def _checkout_token(request) -> str:
    """The one-time token for the checkout page being shown: the session's,
    until an order is placed with it (every tab of one checkout shares it, so
    any of them submitted twice makes one order); then a new one."""
    token = request.session.get(CHECKOUT_TOKEN_KEY)
    if token is None or Order.objects.filter(checkout_token=token).exists():
        token = secrets.token_urlsafe(32)
        request.session[CHECKOUT_TOKEN_KEY] = token
    return token


def _save_address(user, form: CheckoutForm) -> None:
    address = form.shipping_address()
    Address.objects.filter(user=user).update(is_default=False)
    Address.objects.create(user=user, is_default=True, **address.__dict__)


def _pay(request, order: Order, *, gateway: str = "", method: str = ""):
    try:
        _payment, start = start_payment(
            order=order, gateway=gateway, method=method, payer=payer_from_request(request)
        )
    except PaymentError as error:
        messages.error(request, str(error))
        return redirect("order_detail", order.number)
    return redirect(start.redirect_url or reverse("order_detail", args=[order.number]))


def _after_checkout(request, order: Order):
    """Straight to paying when there is one way to pay; else the buyer chooses."""
    if order.channel == Order.Channel.OFFLINE:
        return _pay(request, order)
    choices = payment_choices(device=device_of(request))
    if len(choices) == 1:
        return _pay(request, order, gateway=choices[0].gateway, method=choices[0].method)
    return redirect("order_pay", order.number)


def _viewable_order(request, number: str) -> Order:
    order = get_object_or_404(Order, number=number)
    if not can_view_order(request, order):
        raise Http404
    return order


@never_cache
def order_detail(request, number: str):
    order = _viewable_order(request, number)
    shipments = list(order.shipments.select_related("producer").prefetch_related("lines"))
    for shipment in shipments:
        for line in shipment.lines.all():
            line.order, line.shipment = order, shipment
            line.can_claim = bool(aftersales.kinds_open(line))
    return render(
        request,
        "shop/order_detail.html",
        {
            "order": order,
            "shipments": shipments,
            "surplus": surplus_payments(order=order),
            "aftersales": order.aftersales.select_related("line"),
        },
    )


@never_cache
def order_from_link(request, token: str):
    """A link from a message: a guest order opens in this browser from now on;
    a buyer account's order opens once its buyer has logged in."""
    order = order_from_token(token)
    if order is None:
        raise Http404
    if order.user_id is None:
        remember_guest_order(request, order)
    elif not request.user.is_authenticated:
        return redirect_to_login(reverse("order_detail", args=[order.number]))
    return redirect("order_detail", order.number)


@never_cache
@require_http_methods(["GET", "POST"])
def order_pay(request, number: str):
    """The pay page: the ways to pay that work in this browser (WeChat's own
    browser, another phone browser, a desktop one); choosing one starts it."""
    order = _viewable_order(request, number)
    if request.method == "POST":
        return _pay(
            request,
            order,
            gateway=request.POST.get("gateway", ""),
            method=request.POST.get("method", ""),
        )
    if order.status != Order.Status.AWAITING_PAYMENT:
        return redirect("order_detail", order.number)
    device = device_of(request)
    return render(
        request,
        "shop/pay.html",
        {"order": order, "choices": payment_choices(device=device), "device": device},
    )
