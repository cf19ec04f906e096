"""``{% personal "includes/cart_badge.html" %}``: a part of the page that is the
visitor's own (shop.catalogue.page_cache)."""

from django import template
from django.utils.safestring import mark_safe

from shop.catalogue import page_cache

register = template.Library()


@register.simple_tag(takes_context=True)
def personal(context, name: str) -> str:
    """The template included as ``{% include %}`` would, or, in a page rendered for
    the page cache, a placeholder filled in for each visitor. ``name`` must be one of
    ``page_cache.PERSONAL_TEMPLATES``."""
    if name not in page_cache.PERSONAL_TEMPLATES:
        raise template.TemplateSyntaxError(f"{name} is not a personal part of the page")
    if page_cache.rendering_for_cache(context.get("request")):
        return mark_safe(page_cache.personal_placeholder(name))
    return context.template.engine.get_template(name).render(context)
