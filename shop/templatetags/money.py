from django import template

from core.money import format_fen

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Format an integer amount of fen as yuan: 1250 -> "¥12.50". No floats on the way."""
    if fen is None or fen == "":
        return ""
    return format_fen(int(fen))
