from django.urls import path

from shop.views import account, aftersales, catalogue, invoices, lookup, purchase

urlpatterns = [
    path("search/", catalogue.search, name="search"),
    path("categories/", catalogue.category_list, name="category_list"),
    path("categories/<slug:slug>/", catalogue.category_detail, name="category_detail"),
    path("villages/", catalogue.village_list, name="village_list"),
    path("villages/<slug:code>/", catalogue.village_detail, name="village_detail"),
    path("cart/", purchase.cart_detail, name="cart"),
    path("cart/add/", purchase.cart_add, name="cart_add"),
    path("cart/update/", purchase.cart_update, name="cart_update"),
    path("checkout/", purchase.checkout, name="checkout"),
    path("checkout/shipping/", purchase.checkout_shipping, name="checkout_shipping"),
    # Order numbers are letters and digits: anything else (a NUL byte, which
    # PostgreSQL refuses in a query) is not found at the URL already.
    path("orders/<slug:number>/", purchase.order_detail, name="order_detail"),
    path("orders/<slug:number>/pay/", purchase.order_pay, name="order_pay"),
    path(
        "orders/<slug:number>/lines/<int:line_id>/aftersales/",
        aftersales.aftersales_new,
        name="aftersales_new",
    ),
    path("aftersales/<int:request_id>/", aftersales.aftersales_detail, name="aftersales_detail"),
    path("aftersales/<int:request_id>/act/", aftersales.aftersales_act, name="aftersales_act"),
    path(
        "aftersales/<int:request_id>/photos/<int:photo_id>/",
        aftersales.aftersales_photo,
        name="aftersales_photo",
    ),
    path("o/<str:token>/", purchase.order_from_link, name="order_link"),
    path("find-order/", lookup.order_lookup, name="order_lookup"),
    path("find-order/code/", lookup.order_lookup_code, name="order_lookup_code"),
    path("account/orders/", account.order_history, name="account_orders"),
    path("account/addresses/", account.address_list, name="account_addresses"),
    path("account/addresses/new/", account.address_edit, name="account_address_new"),
    path("account/addresses/<int:address_id>/", account.address_edit, name="account_address_edit"),
    path(
        "account/addresses/<int:address_id>/delete/",
        account.address_delete,
        name="account_address_delete",
    ),
    path("account/profile/", account.profile, name="account_profile"),
    path("account/units/", account.unit_list, name="account_units"),
    path("account/invoices/", invoices.invoice_list, name="account_invoices"),
    path("account/invoices/new/", invoices.invoice_new, name="account_invoice_new"),
    path(
        "account/invoices/<uuid:key>/invoice.pdf",
        invoices.invoice_download,
        name="account_invoice_download",
    ),
    path("account/units/<int:unit_id>/", account.unit_detail, name="account_unit"),
]
