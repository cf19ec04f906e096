"""A buyer's own pages: order history, saved addresses, profile. None is stored by a
browser or proxy (``never_cache``: ``no-store, private``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

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
