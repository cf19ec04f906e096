"""Django loads the shop's models from here; each model lives in its domain package
(``catalogue``, ``documents``, ``orders``, ``payments``, ``accounts``,
``aftersales``), and code imports
it from there."""

from shop.accounts.models import BuyerPhone, OrderLookupCode
from shop.aftersales.models import AfterSalesPhoto, AfterSalesRequest, AfterSalesStep
from shop.catalogue.models import (
    Category,
    HomePage,
    PageCacheGeneration,
    ProductCertificate,
    ProductPage,
    ProductPhoto,
    ProductVariant,
)
from shop.documents.models import PrivateDocument
from shop.institutions.models import BuyingUnit, UnitMembership
from shop.invoicing.models import InvoiceRequest, InvoiceRequestOrder
from shop.orders.models import (
    Address,
    BuyerProfile,
    Cart,
    CartLine,
    Order,
    OrderEvent,
    OrderLine,
    Shipment,
    ShippingPolicy,
)
from shop.payments.models import (
    GatewayStatement,
    GatewayStatementLine,
    Payment,
    Refund,
    StatementDifference,
    WebhookEvent,
)

__all__ = [
    "Address",
    "AfterSalesPhoto",
    "AfterSalesRequest",
    "AfterSalesStep",
    "BuyerPhone",
    "BuyerProfile",
    "BuyingUnit",
    "Cart",
    "CartLine",
    "Category",
    "GatewayStatement",
    "GatewayStatementLine",
    "HomePage",
    "InvoiceRequest",
    "InvoiceRequestOrder",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderLookupCode",
    "PageCacheGeneration",
    "Payment",
    "PrivateDocument",
    "ProductCertificate",
    "ProductPage",
    "ProductPhoto",
    "ProductVariant",
    "Refund",
    "Shipment",
    "ShippingPolicy",
    "StatementDifference",
    "UnitMembership",
    "WebhookEvent",
]
