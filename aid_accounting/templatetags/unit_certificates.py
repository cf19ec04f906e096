"""The buyer's account page links to their buying units' certificates: the
shop's template loads this tag, so the shop never imports ``aid_accounting``."""

from django import template
from django.utils import timezone

from aid_accounting.certificates.issue import households_shown
from shop.institutions.models import BuyingUnit

register = template.Library()

# A certificate's count of households reached, as the public may read it.
register.filter("households_shown", households_shown)


@register.inclusion_tag("aid_accounting/certificates/account_units.html")
def unit_certificates(user) -> dict:
    """The units ``user`` is a member of, each with a link to this year's certificate page."""
    units = (
        BuyingUnit.objects.filter(memberships__user=user).order_by("name")
        if user.is_authenticated
        else BuyingUnit.objects.none()
    )
    return {"units": list(units), "year": timezone.localdate().year}
