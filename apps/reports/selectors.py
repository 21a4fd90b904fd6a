"""The few reads the report pages need besides the statements: VAT periods on record."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from apps.filing.models import VatObligation


def vat_period_on(day: date) -> tuple[date, date] | None:
    """The dates of the VAT period that includes ``day`` (the latest-starting one if they overlap)."""
    found = VatObligation.objects.filter(start__lte=day, end__gte=day).order_by("-start").first()
    return (found.start, found.end) if found else None


def vat_periods() -> QuerySet[VatObligation]:
    return VatObligation.objects.order_by("-start")
