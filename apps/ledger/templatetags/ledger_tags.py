"""Money as people read it: £1,234.56, negatives in brackets."""

from __future__ import annotations

from decimal import Decimal

from django import template

from apps.ledger.domain import format_money

register = template.Library()


@register.filter
def money(value: Decimal | None) -> str:
    return format_money(value)


@register.filter
def money_or_blank(value: Decimal | None) -> str:
    """For debit/credit columns: nothing rather than £0.00."""
    return format_money(value) if value else ""
