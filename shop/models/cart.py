from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalogue import ProductVariant


class Cart(models.Model):
    """A buyer's cart: by account when signed in, else by an id kept in the
    guest's session. A guest's cart is merged into the account's on sign-in
    (shop.cart.merge_guest_cart)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cart",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("购物车")

    def __str__(self) -> str:
        return f"cart {self.pk}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="one_cart_line_per_variant"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="cart_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant} × {self.quantity}"
