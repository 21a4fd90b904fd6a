"""One way to show money, dates and stored choices on every page: ``{% load display %}``.

Money follows the accountants' convention used in the ledger: £1,234.56 with
thousands separators, negatives in brackets, (£245.00), never "£-245". Dates
are "4 Dec 2026"; times "4 Dec 2026, 14:05" in the portal's time zone.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.forms import BoundField
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

from apps.core.money import format_money

register = template.Library()

DAY_FORMAT = "j M Y"
MOMENT_FORMAT = "j M Y, H:i"


@register.filter
def money(value: Decimal | int | float | str | None) -> str:
    """£1,234.56, or (£1,234.56) when negative; blank for no value."""
    if value is None or value == "":
        return ""
    try:
        return format_money(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return ""


@register.filter
def pounds(value: Decimal | int | None) -> str:
    """Whole pounds, as HMRC's boxes 6 to 9 are: £2,076, or (£245) when negative."""
    if value is None or value == "":
        return ""
    amount = int(Decimal(str(value)))
    text = f"£{abs(amount):,}"
    return f"({text})" if amount < 0 else text


@register.filter
def day(value: date | datetime | str | None) -> str:
    """4 Dec 2026 (also from an ISO string, as extracted values are stored)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_filter(value, DAY_FORMAT)


@register.filter
def moment(value: datetime | None) -> str:
    """4 Dec 2026, 14:05 (local time)."""
    if value is None or value == "":
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_filter(value, MOMENT_FORMAT)


@register.filter
def field_display(field: BoundField) -> str:
    """A form field's current value as people read it: the choice's label, not its stored code."""
    value = field.value()
    if value in (None, "", []):
        return "Not set"
    choices = getattr(field.field, "choices", None)
    if choices:
        labels = {str(key): label for key, label in choices}
        return str(labels.get(str(value), value))
    if isinstance(value, date):
        return day(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)
