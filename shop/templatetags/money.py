from django import template

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Format an integer amount of fen as yuan: 1250 -> "¥12.50". No floats on the way."""
    if fen is None or fen == "":
        return ""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"
