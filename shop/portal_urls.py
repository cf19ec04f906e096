"""Pages the shop adds to the producer portal (see producers/portal.py)."""

from django.urls import path

from .views import portal

urlpatterns = [
    path("products/", portal.product_list, name="products"),
    path("products/new/", portal.product_new, name="product_new"),
    path("products/<int:page_id>/edit/", portal.product_edit, name="product_edit"),
    path("products/<int:page_id>/submit/", portal.product_submit, name="product_submit"),
    path("variants/<int:variant_id>/stock/", portal.variant_stock, name="variant_stock"),
    path("variants/<int:variant_id>/sold-out/", portal.variant_sold_out, name="variant_sold_out"),
    path("shipments/", portal.shipment_list, name="shipments"),
    path("shipments/<int:shipment_id>/ship/", portal.shipment_ship, name="shipment_ship"),
    path("shipments/<int:shipment_id>/deliver/", portal.shipment_deliver, name="shipment_deliver"),
]
