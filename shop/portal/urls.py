"""Pages the shop adds to the producer portal (see producers/portal/base.py)."""

from django.urls import path

from shop.portal import aftersales, invoices, views

urlpatterns = [
    path("products/", views.product_list, name="products"),
    path("products/new/", views.product_new, name="product_new"),
    path("products/<int:page_id>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:page_id>/submit/", views.product_submit, name="product_submit"),
    path("variants/<int:variant_id>/stock/", views.variant_stock, name="variant_stock"),
    path("variants/<int:variant_id>/sold-out/", views.variant_sold_out, name="variant_sold_out"),
    path("shipments/", views.shipment_list, name="shipments"),
    path("shipments/<int:shipment_id>/ship/", views.shipment_ship, name="shipment_ship"),
    path("shipments/<int:shipment_id>/deliver/", views.shipment_deliver, name="shipment_deliver"),
    path("invoices/", invoices.invoice_list, name="invoices"),
    path("invoices/<int:request_id>/issue/", invoices.invoice_issue, name="invoice_issue"),
    path("invoices/<int:request_id>/reject/", invoices.invoice_reject, name="invoice_reject"),
    path(
        "invoices/<int:request_id>/red-letter/",
        invoices.invoice_red_letter,
        name="invoice_red_letter",
    ),
    path("aftersales/", aftersales.request_list, name="aftersales"),
    path("aftersales/<int:request_id>/", aftersales.request_detail, name="aftersales_detail"),
    path(
        "aftersales/<int:request_id>/received/",
        aftersales.return_received,
        name="aftersales_received",
    ),
]
