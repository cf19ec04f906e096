from django import template

from core.money import format_yuan

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Format an integer amount of fen for people: 1250 -> "¥12.50" (``format_yuan``)."""
    if fen is None or fen == "":
        return ""
    return format_yuan(int(fen))
