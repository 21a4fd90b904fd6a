"""Journal checks and VAT-rate findings, pinned at their edges and in their words (kills mutmut's survivors).

See docs/mutation.md for the mutants left alive on purpose (equivalent ones).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from apps.ledger.errors import AccountError, InvalidLineError
from apps.ledger.models import Account
from apps.ledger.services.journal import (
    LineSpec,
    accounts_for,
    lines_for_audit,
    locked_counter,
    validate_lines,
    write_entry,
)
from apps.ledger.vat import find_vat, rate_from_amounts
from tests.ledger.builders import make_extraction

D = Decimal


class TestValidateLines:
    def test_lines_are_numbered_from_one_in_messages(self):
        with pytest.raises(InvalidLineError, match=r"^Line 1 has a negative amount"):
            validate_lines([LineSpec("461", debit=D("-1.00")), LineSpec("800", credit=D("1.00"))])
        with pytest.raises(InvalidLineError, match=r"^The debit on line 2 'ten' is not a number\.$"):
            validate_lines([LineSpec("461", debit=D("1.00")), LineSpec("800", debit="ten")])
        with pytest.raises(InvalidLineError, match=r"^The credit on line 1 0\.001 has more than two decimal places\.$"):
            validate_lines([LineSpec("461", credit=D("0.001")), LineSpec("800", debit=D("1.00"))])

    def test_amounts_under_a_pound_are_amounts(self):
        checked = validate_lines([LineSpec("461", debit=D("0.50")), LineSpec("800", credit=D("0.50"))])
        assert [(c.debit, c.credit) for c in checked] == [(D("0.50"), D("0.00")), (D("0.00"), D("0.50"))]

    def test_an_unknown_vat_treatment_is_named(self):
        lines = [LineSpec("461", debit=D("1.00"), vat_treatment="sometimes"), LineSpec("800", credit=D("1.00"))]
        with pytest.raises(InvalidLineError, match=r"^Line 1 has an unknown VAT treatment 'sometimes'\.$"):
            validate_lines(lines)


@pytest.mark.django_db
class TestAccountsAndEntries:
    def test_missing_and_inactive_accounts_are_listed(self, chart_a, in_tenant):
        with in_tenant(chart_a):
            with pytest.raises(AccountError, match=r"^Account 9998, 9999 does not exist in this business's chart"):
                accounts_for({"461", "9999", "9998"})
            Account.objects.filter(code__in=["461", "463"]).update(is_active=False)
            with pytest.raises(
                AccountError, match=r"^Account 461 Printing and stationery, 463 IT software .* inactive"
            ):
                accounts_for({"461", "463"})  # active accounts are required unless the caller says otherwise
            assert set(accounts_for({"461"}, require_active=False)) == {"461"}

    def test_an_entry_keeps_its_defaults_and_truncates_its_description(self, chart_a, in_tenant):
        with in_tenant(chart_a), transaction.atomic():
            counter = locked_counter(chart_a.pk)
            entry = write_entry(
                counter,
                kind="manual",
                entry_date=date(2025, 3, 1),
                description="x" * 300,
                lines=[LineSpec("461", debit=D("1.00"), description="y" * 300), LineSpec("800", credit=D("1.00"))],
                actor=AnonymousUser(),
            )
            entry.refresh_from_db()
            line_description = entry.lines.get(position=1).description
        assert entry.explanation == ""
        assert len(entry.description) == 255 and len(line_description) == 255
        assert entry.created_by is None  # an anonymous actor is nobody

    def test_a_system_actor_is_recorded_as_nobody(self, chart_a, in_tenant):
        with in_tenant(chart_a), transaction.atomic():
            lines = [LineSpec("461", debit=D("1.00")), LineSpec("800", credit=D("1.00"))]
            entry = write_entry(locked_counter(chart_a.pk), kind="manual", entry_date=date(2025, 3, 1),
                                description="From a task", lines=lines, actor="reconciliation task")  # fmt: skip
        assert entry.created_by is None

    def test_lines_for_audit_reads_accounts_in_one_query(self, chart_a, in_tenant, django_assert_num_queries):
        with in_tenant(chart_a), transaction.atomic():
            lines = [
                LineSpec("461", debit=D("2.00")),
                LineSpec("463", debit=D("1.00")),
                LineSpec("800", credit=D("3.00")),
            ]
            entry = write_entry(
                locked_counter(chart_a.pk),
                kind="manual",
                entry_date=date(2025, 3, 1),
                description="Three lines",
                lines=lines,
            )
            with django_assert_num_queries(1):
                audit = lines_for_audit(entry)
        assert audit == [
            {"account": "461", "debit": "2.00", "credit": "0.00"},
            {"account": "463", "debit": "1.00", "credit": "0.00"},
            {"account": "800", "debit": "0.00", "credit": "3.00"},
        ]


class TestVatFindings:
    def test_the_tolerance_is_inclusive(self):
        assert rate_from_amounts(D("100.00"), D("20.01"), tolerance=D("0.01")) == D("20")
        assert rate_from_amounts(D("100.00"), D("20.02"), tolerance=D("0.01")) is None

    def test_a_single_breakdown_rate(self):
        finding = find_vat(make_extraction())
        assert (finding.treatment, finding.rate, finding.note) == (
            "standard",
            D("20"),
            "standard (20% in the VAT breakdown)",
        )

    def test_a_rate_from_the_amounts(self):
        finding = find_vat(make_extraction(breakdown=()))
        assert (finding.treatment, finding.rate, finding.note) == (
            "standard",
            D("20.00"),
            "standard (20% of the net amount)",
        )

    def test_tolerance_grows_a_penny_per_line(self):
        three_lines = find_vat(make_extraction(breakdown=(), vat="20.03", gross="120.03", lines=["a", "b", "c"]))
        assert three_lines.treatment == "standard"
        no_lines = find_vat(make_extraction(breakdown=(), vat="20.02", gross="120.02"))
        assert no_lines.treatment == "mixed"
        assert no_lines.note == "mixed (the VAT is not a single UK rate of the net amount)"

    def test_notes_when_nothing_or_no_vat_number(self):
        nothing = find_vat(make_extraction(breakdown=(), vat=None))
        assert nothing.note == "the VAT rate could not be worked out: there is no VAT breakdown or VAT amount"
        unregistered = find_vat(make_extraction(breakdown=(), vat="0.00", gross="100.00", vat_number=None))
        assert unregistered.treatment == "outside_scope"
        assert unregistered.note == (
            "outside the scope (no VAT charged and no VAT number: the supplier is not VAT-registered)"
        )
