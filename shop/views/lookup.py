"""查订单: a guest opens an order from any device with its number and a code
texted to the order's mobile number (the rules in shop/accounts/lookup.py)."""

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from messaging.sms.limits import SmsLimitReached
from shop.accounts import lookup, texts
from shop.accounts.forms import LookupCodeForm, OrderLookupForm
from shop.orders.ownership import remember_guest_order

# The order number this browser asked a code for; the code page checks codes for it.
SESSION_KEY = "order_lookup_number"


@never_cache
@require_http_methods(["GET", "POST"])
def order_lookup(request):
    form = OrderLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["number"].strip().upper()
        try:
            lookup.request_code(
                number=number,
                mobile=form.cleaned_data["mobile"],
                client_ip=texts.client_ip(request),
            )
        except SmsLimitReached as limited:
            form.add_error(None, limited.message)
        else:
            request.session[SESSION_KEY] = number
            return redirect("order_lookup_code")
    return render(request, "shop/lookup/request.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def order_lookup_code(request):
    number = request.session.get(SESSION_KEY)
    if not number:
        return redirect("order_lookup")
    form = LookupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        order = lookup.confirm_code(number=number, code=form.cleaned_data["code"])
        if order is None:
            form.add_error("code", _("验证码不正确或已失效，请重新获取。"))
        else:
            del request.session[SESSION_KEY]
            detail = reverse("order_detail", args=[order.number])
            # An account's order still asks its buyer to log in, as a signed link does.
            if order.user_id is not None:
                return redirect_to_login(detail)
            remember_guest_order(request, order)
            return redirect(detail)
    return render(request, "shop/lookup/code.html", {"form": form, "number": number})
