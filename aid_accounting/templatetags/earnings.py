"""Amounts as changes to what a producer is owed: "+¥10.00", "-¥9.95"."""

from django import template

from core.money import format_fen

register = template.Library()


@register.filter
def yuan_added(fen: int) -> str:
    return f"+{format_fen(fen)}" if fen > 0 else format_fen(fen)


@register.filter
def yuan_deducted(fen: int) -> str:
    return yuan_added(-fen)
