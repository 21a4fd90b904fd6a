"""The golden set's VAT return: every good document posted through the real ledger, boxes computed by the filing app.

The expectation (golden/expected/_vat_return.json) is computed by the golden
generator from its own truth (expected postings and classifications), not by
the code under test. ``make golden`` checks the same figures after real OCR.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from apps.filing import calculation
from apps.ledger.extraction import Extraction
from apps.ledger.services import seed_chart_of_accounts
from apps.ledger.services.posting import post_document
from apps.tenancy.context import tenant_context
from golden.cases import load_cases, load_vat_return
from tests.factories.filing import VatObligationFactory
from tests.ledger.builders import classified

pytestmark = pytest.mark.django_db


def test_the_golden_set_posted_through_the_ledger_gives_the_expected_vat_return(tenant_a):
    goods = [c for c in load_cases() if c.group == "good" and c.expected.get("expected_state", "posted") == "posted"]
    assert len(goods) > 30
    with tenant_context(tenant_a):
        seed_chart_of_accounts(tenant_a)
        for case in goods:
            truth = case.expected
            post_document(
                document_id=uuid.uuid4(),
                extraction=Extraction.from_json(truth["extraction"]),
                classification=classified(**truth["classification"]),
            )
        dates = [date.fromisoformat(c.expected["extraction"]["issue_date"]) for c in goods]
        everything = VatObligationFactory(tenant=tenant_a, start=min(dates), end=max(dates), period_key="GOLD")
        figures = calculation.figures_for(everything, None, None)
    expected = {name: Decimal(value) for name, value in load_vat_return().items()}
    assert figures.boxes.as_dict() == expected
    assert figures.warnings == []  # no line left out for want of a VAT treatment
