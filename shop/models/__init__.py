from .cart import Cart, CartLine
from .catalogue import (
    Category,
    HomePage,
    ProductCertificate,
    ProductPage,
    ProductPhoto,
    ProductVariant,
)
from .orders import Address, BuyerProfile, Order, OrderEvent, OrderLine, Shipment, ShippingPolicy
from .payments import Payment, Refund, WebhookEvent

__all__ = [
    "Address",
    "BuyerProfile",
    "Cart",
    "CartLine",
    "Category",
    "HomePage",
    "Order",
    "OrderEvent",
    "OrderLine",
    "Payment",
    "ProductCertificate",
    "ProductPage",
    "ProductPhoto",
    "ProductVariant",
    "Refund",
    "Shipment",
    "ShippingPolicy",
    "WebhookEvent",
]
