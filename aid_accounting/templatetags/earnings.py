"""Amounts as changes to what a producer is owed: "+¥10.00", "-¥9.95"."""

from django import template

from core.money import format_yuan_signed

register = template.Library()


@register.filter
def yuan_added(fen: int) -> str:
    return format_yuan_signed(fen)


@register.filter
def yuan_deducted(fen: int) -> str:
    return format_yuan_signed(-fen)
