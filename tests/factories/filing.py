"""Factories for the filing app (obligations, settings)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone
from stdnum.gb import vat as gb_vat

from apps.filing.domain import due_date, period_end
from apps.filing.models import SubmissionAttempt, VatObligation, VatReturn, VatReturnLine, VatSettings
from tests.factories import SCOPED_FACTORIES, JournalLineFactory, TenantScopedFactory


class VatSettingsFactory(TenantScopedFactory):
    class Meta:
        model = VatSettings
        django_get_or_create = ("tenant",)

    scheme = "standard"
    stagger = "stagger_1"
    first_period_start = date(2025, 1, 1)
    four_eyes = False


def quarter(tenant, start: date, *, period_key: str | None = None, status: str = "O") -> VatObligation:
    """An obligation for the quarter starting ``start``, keyed like HMRC's (25A1 ...)."""
    end = period_end("stagger_1", start)
    vrn = gb_vat.compact(tenant.vat_number)[:9]
    key = period_key or f"{start:%y}A{(start.month - 1) // 3 + 1}"
    return VatObligationFactory(
        tenant=tenant, vrn=vrn, period_key=key, start=start, end=end, due=due_date(end), status=status
    )


class VatObligationFactory(TenantScopedFactory):
    class Meta:
        model = VatObligation

    vrn = "123456727"
    period_key = factory.Sequence(lambda n: f"{n % 100:02d}A1")
    start = date(2025, 1, 1)
    end = date(2025, 3, 31)
    due = date(2025, 5, 7)
    status = "O"
    synced_at = factory.LazyFunction(timezone.now)


class VatReturnFactory(TenantScopedFactory):
    class Meta:
        model = VatReturn

    obligation = factory.SubFactory(VatObligationFactory, tenant=factory.SelfAttribute("..tenant"))
    vrn = factory.SelfAttribute("obligation.vrn")
    period_key = factory.SelfAttribute("obligation.period_key")
    idempotency_key = factory.LazyAttribute(lambda o: VatReturn.key_for(o.vrn, o.period_key))


class VatReturnLineFactory(TenantScopedFactory):
    class Meta:
        model = VatReturnLine

    vat_return = factory.SubFactory(VatReturnFactory, tenant=factory.SelfAttribute("..tenant"))
    journal_line = factory.SubFactory(JournalLineFactory, tenant=factory.SelfAttribute("..tenant"))
    box = 7
    amount = Decimal("10.00")


class SubmissionAttemptFactory(TenantScopedFactory):
    class Meta:
        model = SubmissionAttempt

    vat_return = factory.SubFactory(VatReturnFactory, tenant=factory.SelfAttribute("..tenant"))
    number = factory.Sequence(lambda n: n + 1)


SCOPED_FACTORIES.update(
    {
        VatSettings: VatSettingsFactory,
        VatObligation: VatObligationFactory,
        VatReturn: VatReturnFactory,
        VatReturnLine: VatReturnLineFactory,
        SubmissionAttempt: SubmissionAttemptFactory,
    }
)
