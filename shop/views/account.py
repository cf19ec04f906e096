"""A buyer's own pages: order history, saved addresses, profile, the buying
units they belong to. None is stored by a
browser or proxy (``never_cache``: ``no-store, private``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shop.accounts.phones import user_by_phone
from shop.institutions.models import BuyingUnit, UnitMembership
from shop.institutions.services import MembershipError, add_member, remove_member
from shop.orders.forms import AddressForm, ProfileForm
from shop.orders.models import Address, BuyerProfile
from shop.orders.regions import REGIONS_STATIC_PATH


@never_cache
@login_required
def order_history(request):
    orders = request.user.orders.prefetch_related("lines")
    page = Paginator(orders, 20).get_page(request.GET.get("page"))
    return render(request, "shop/account/orders.html", {"orders": page})


@never_cache
@login_required
def address_list(request):
    return render(
        request, "shop/account/addresses.html", {"addresses": request.user.addresses.all()}
    )


@never_cache
@login_required
def address_edit(request, address_id: int | None = None):
    # Another buyer's address id answers 404, like an unknown one (and so does 0,
    # which is not "no id": /account/addresses/0/ once showed the new-address form).
    address = (
        get_object_or_404(Address, pk=address_id, user=request.user)
        if address_id is not None
        else None
    )
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.user = request.user
        if saved.is_default:
            request.user.addresses.exclude(pk=saved.pk).update(is_default=False)
        saved.save()
        messages.success(request, _("地址已保存。"))
        return redirect("account_addresses")
    return render(
        request,
        "shop/account/address_form.html",
        {"form": form, "address": address, "regions_path": REGIONS_STATIC_PATH},
    )


@never_cache
@login_required
@require_POST
def address_delete(request, address_id: int):
    get_object_or_404(Address, pk=address_id, user=request.user).delete()
    messages.success(request, _("地址已删除。"))
    return redirect("account_addresses")


@never_cache
@login_required
def profile(request):
    buyer_profile, _created = BuyerProfile.objects.get_or_create(user=request.user)
    form = ProfileForm(request.POST or None, instance=buyer_profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("资料已保存。"))
        return redirect("account_profile")
    return render(request, "shop/account/profile.html", {"form": form})


@never_cache
@login_required
def unit_list(request):
    memberships = request.user.unit_memberships.select_related("unit")
    return render(request, "shop/account/units.html", {"memberships": memberships})


@never_cache
@login_required
def unit_detail(request, unit_id: int):
    """A unit's orders and members, for its members; its manager adds a
    member by the mobile number of their buyer account, or removes one."""
    membership = get_object_or_404(
        UnitMembership.objects.select_related("unit"), unit_id=unit_id, user=request.user
    )
    unit: BuyingUnit = membership.unit
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                remove_member(
                    unit_id=unit.pk,
                    membership_id=_int(request.POST.get("remove")),
                    actor=request.user,
                )
                messages.success(request, _("已移除该成员。"))
            else:
                add_member(
                    unit_id=unit.pk,
                    user=user_by_phone(request.POST.get("mobile", "").strip()),
                    actor=request.user,
                )
                messages.success(request, _("已添加成员。"))
        except MembershipError as error:
            messages.error(request, str(error))
        return redirect("account_unit", unit.pk)
    orders = Paginator(unit.orders.select_related("user").prefetch_related("lines"), 20)
    return render(
        request,
        "shop/account/unit.html",
        {
            "unit": unit,
            "is_manager": membership.role == UnitMembership.Role.MANAGER,
            "members": unit.memberships.select_related("user__buyer_phone"),
            "orders": orders.get_page(request.GET.get("page")),
        },
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
