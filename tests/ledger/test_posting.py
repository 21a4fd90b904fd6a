"""Posting: the conventions line by line, idempotency, refusals, numbering and reversals (any database)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from apps.ledger import services
from apps.ledger.errors import (
    AccountError,
    InvalidLineError,
    PostingError,
    ReversalError,
    UnbalancedEntryError,
)
from apps.ledger.models import Account, JournalCounter, JournalEntry, JournalLine
from apps.ledger.services import LineSpec
from tests.helpers import audit_actions, audit_events
from tests.ledger.builders import classified, make_extraction
from tests.ledger.conftest import entry_lines

pytestmark = pytest.mark.django_db
D = Decimal


def post(extraction, classification=None, document_id=None, actor=None):
    return services.post_document(
        document_id=document_id or uuid.uuid4(),
        extraction=extraction,
        classification=classification or classified("461"),
        actor=actor,
    )


class TestConventions:
    def test_purchase_invoice_at_one_rate(self, chart_a, in_tenant):
        with in_tenant(chart_a):
            entry = post(make_extraction())
            assert entry_lines(entry) == [
                ("461", "100.00", "0.00"),
                ("820", "20.00", "0.00"),
                ("800", "0.00", "120.00"),
            ]
            net_line = entry.lines.get(position=1)
            assert (net_line.vat_rate, net_line.vat_treatment) == (D("20.00"), "standard")
            assert (entry.kind, entry.date, entry.number) == ("purchase", date(2025, 3, 14), 1)
            assert entry.description == "Purchase invoice INV-1001 from Viking Direct Ltd"

    def test_one_net_line_per_rate_and_exempt_rows(self, chart_a, in_tenant):
        extraction = make_extraction(
            net="90.00",
            vat="10.50",
            gross="100.50",
            breakdown=[("20", "50.00", "10.00"), ("5", "10.00", "0.50"), ("0", "25.00", "0.00"), ("-1", "5.00", "0")],
        )
        with in_tenant(chart_a):
            entry = post(extraction, classified("310"))
            assert entry_lines(entry) == [
                ("310", "50.00", "0.00"),
                ("310", "10.00", "0.00"),
                ("310", "25.00", "0.00"),
                ("310", "5.00", "0.00"),
                ("820", "10.50", "0.00"),
                ("800", "0.00", "100.50"),
            ]
            treatments = list(entry.lines.order_by("position").values_list("vat_rate", "vat_treatment"))[:4]
            assert treatments == [(D("20"), "standard"), (D("5"), "reduced"), (D("0"), "zero"), (None, "exempt")]

    def test_receipt_without_breakdown_and_zero_vat_line_is_left_out(self, chart_a, in_tenant):
        with in_tenant(chart_a):
            fuel = post(
                make_extraction(kind="receipt", net="41.67", vat="8.33", gross="50.00", breakdown=()), classified("449")
            )
            stamps = post(
                make_extraction(kind="receipt", net="13.60", vat="0.00", gross="13.60", breakdown=()), classified("425")
            )
            assert entry_lines(fuel) == [("449", "41.67", "0.00"), ("820", "8.33", "0.00"), ("800", "0.00", "50.00")]
            assert fuel.lines.get(position=1).vat_rate == D("20")
            assert entry_lines(stamps) == [("425", "13.60", "0.00"), ("800", "0.00", "13.60")]

    @pytest.mark.parametrize("sign", ["", "-"])
    def test_credit_note_mirrors_a_purchase(self, chart_a, in_tenant, sign):
        extraction = make_extraction(
            kind="credit_note",
            net=f"{sign}10.00",
            vat=f"{sign}2.00",
            gross=f"{sign}12.00",
            breakdown=[("20", f"{sign}10.00", f"{sign}2.00")],
        )
        with in_tenant(chart_a):
            entry = post(extraction)
            assert entry.kind == "credit_note"
            assert entry_lines(entry) == [("800", "12.00", "0.00"), ("461", "0.00", "10.00"), ("820", "0.00", "2.00")]

    def test_sales_invoice(self, chart_a, in_tenant):
        extraction = make_extraction(
            kind="sales_invoice",
            customer="Bramley Florists Ltd",
            net="500.00",
            vat="100.00",
            gross="600.00",
            breakdown=[("20", "500.00", "100.00")],
        )
        with in_tenant(chart_a):
            entry = post(extraction, classified(None))
            assert entry.kind == "sales"
            assert entry.description == "Sales invoice INV-1001 to Bramley Florists Ltd"
            assert entry_lines(entry) == [
                ("610", "600.00", "0.00"),
                ("200", "0.00", "500.00"),
                ("821", "0.00", "100.00"),
            ]
            other = post(extraction, classified("260"))
            assert entry_lines(other)[1] == ("260", "0.00", "500.00")

    def test_a_mixed_rate_sales_invoice_credits_its_net_in_one_line(self, chart_a, in_tenant):
        extraction = make_extraction(
            kind="sales_invoice",
            net="167.60",
            vat="8.20",
            gross="175.80",
            breakdown=[("0", "126.60", "0.00"), ("20", "41.00", "8.20")],
        )
        with in_tenant(chart_a):
            entry = post(extraction, classified(None, vat_treatment="mixed"))
            assert entry_lines(entry) == [("610", "175.80", "0.00"), ("200", "0.00", "167.60"), ("821", "0.00", "8.20")]
            sales_line = entry.lines.get(position=2)
            assert (sales_line.vat_rate, sales_line.vat_treatment) == (None, "mixed")

    def test_outside_scope_and_exempt_lines_carry_no_rate(self, chart_a, in_tenant):
        rates = make_extraction(net="212.00", vat="0.00", gross="212.00", breakdown=[("-1", "212.00", "0.00")])
        farm = make_extraction(kind="receipt", net="24.90", vat="0.00", gross="24.90", breakdown=())
        with in_tenant(chart_a):
            council = post(rates, classified("469", vat_treatment="outside_scope"))
            eggs = post(farm, classified("310", vat_treatment="outside_scope"))
            for entry in (council, eggs):
                line = entry.lines.get(position=1)
                assert (line.vat_rate, line.vat_treatment) == (None, "outside_scope")
                assert line.description == "Net (outside the scope of VAT)"
                assert [code for code, _, _ in entry_lines(entry)] == [entry_lines(entry)[0][0], "800"]

    def test_a_discount_row_goes_to_the_other_side(self, chart_a, in_tenant):
        extraction = make_extraction(
            net="90.00", vat="20.00", gross="110.00", breakdown=[("20", "100.00", "20.00"), ("0", "-10.00", "0.00")]
        )
        with in_tenant(chart_a):
            assert entry_lines(post(extraction)) == [
                ("461", "100.00", "0.00"),
                ("461", "0.00", "10.00"),
                ("820", "20.00", "0.00"),
                ("800", "0.00", "110.00"),
            ]

    def test_a_rules_vat_treatment_applies_to_single_rate_documents_only(self, chart_a, in_tenant):
        single = make_extraction(net="300.00", vat="0.00", gross="300.00", breakdown=[("0", "300.00", "0.00")])
        several = make_extraction(
            net="330.00", vat="6.00", gross="336.00", breakdown=[("-1", "300.00", "0.00"), ("20", "30.00", "6.00")]
        )
        with in_tenant(chart_a):
            entry = post(single, classified("433", vat_treatment="exempt"))
            assert entry.lines.values_list("vat_rate", "vat_treatment")[0] == (None, "exempt")
            entry = post(several, classified("433", vat_treatment="exempt"))
            rates = list(entry.lines.order_by("position").values_list("vat_rate", "vat_treatment"))[:2]
            assert rates == [(None, "exempt"), (D("20"), "standard")]

    def test_every_posting_balances(self, chart_a, in_tenant):
        with in_tenant(chart_a):
            post(make_extraction())
            post(
                make_extraction(
                    kind="credit_note", net="5.00", vat="1.00", gross="6.00", breakdown=[("20", "5.00", "1.00")]
                )
            )
            for entry in JournalEntry.objects.all():
                lines = list(entry.lines.all())
                assert len(lines) >= 2
                assert sum(line.debit for line in lines) == sum(line.credit for line in lines)
                assert all(isinstance(line.debit, Decimal) for line in lines)


class TestIdempotency:
    def test_second_call_returns_the_same_entry(self, chart_a, in_tenant, owner_a):
        document_id = uuid.uuid4()
        with in_tenant(chart_a):
            first = post(make_extraction(), document_id=document_id, actor=owner_a)
            second = post(make_extraction(gross="999.00"), document_id=str(document_id), actor=owner_a)
            assert second.pk == first.pk
            assert JournalEntry.objects.filter(source_document_id=document_id).count() == 1
            assert JournalEntry.objects.count() == 1
            assert JournalCounter.objects.get().last_number == 1
        assert audit_actions(chart_a.pk).count("ledger.entry.posted") == 1

    def test_the_same_document_id_in_two_tenants_is_two_entries(self, chart_a, chart_b, in_tenant):
        document_id = uuid.uuid4()
        with in_tenant(chart_a):
            a = post(make_extraction(), document_id=document_id)
        with in_tenant(chart_b):
            b = post(make_extraction(), document_id=document_id)
        assert a.pk != b.pk and a.number == b.number == 1

    def test_posting_is_audited_and_the_explanation_stays_sealed_on_the_entry(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            entry = post(make_extraction(), classified("461", explanation="matched rule 'Paper' on keyword 'paper'"))
            entry.refresh_from_db()
            assert entry.explanation == "matched rule 'Paper' on keyword 'paper'"
        (event,) = audit_events(chart_a.pk, action="ledger.entry.posted")
        assert event.target_id == str(entry.pk)
        # It names suppliers and rules (decision 0025): the chain carries ids, not the words.
        assert "matched rule" not in event.body and "Viking" not in event.body
        assert '"account":"461","credit":"0.00","debit":"100.00"' in event.body


class TestRefusals:
    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"gross": "121.00"}, "not the total £121.00"),
            ({"kind": "unknown"}, "this document's type is unknown"),
            ({"kind": None}, "this document's type is not known"),
            ({"issue_date": None}, "has no date"),
            ({"net": None}, "net amount and total are both needed"),
            ({"net": "100.001", "gross": "120.001"}, "more than two decimal places"),
            ({"breakdown": [("20", "90.00", "20.00")]}, "VAT breakdown adds up to net £90.00"),
        ],
    )
    def test_bad_documents_are_refused_with_nothing_written(self, chart_a, in_tenant, overrides, message):
        with in_tenant(chart_a):
            with pytest.raises(PostingError, match=message):
                post(make_extraction(**overrides))
            assert JournalEntry.objects.count() == 0 and JournalLine.objects.count() == 0

    @pytest.mark.parametrize(
        ("classification", "error", "message"),
        [
            (classified(None), PostingError, "needs review"),
            (classified("999"), AccountError, "999 does not exist"),
            (classified("800"), PostingError, "control account"),
        ],
    )
    def test_bad_accounts_are_refused(self, chart_a, in_tenant, classification, error, message):
        with in_tenant(chart_a), pytest.raises(error, match=message):
            post(make_extraction(), classification)

    def test_inactive_account_is_refused(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            services.deactivate_account(account=Account.objects.get(code="461"), actor=owner_a)
            with pytest.raises(AccountError, match="461 Printing and stationery is inactive"):
                post(make_extraction())

    def test_outside_a_tenant_context_nothing_posts(self, chart_a):
        from apps.tenancy.errors import TenantContextError

        with pytest.raises(TenantContextError):
            post(make_extraction())


class TestManualEntries:
    def lines(self, *pairs):
        return [LineSpec(code, debit=D(dr), credit=D(cr)) for code, dr, cr in pairs]

    def test_a_balanced_journal_posts(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            entry = services.post_manual_entry(
                entry_date=date(2025, 1, 1),
                description="Opening capital",
                lines=self.lines(("090", "1000.00", "0"), ("970", "0", "1000.00")),
                actor=owner_a,
            )
            assert (entry.kind, entry.created_by) == ("manual", owner_a)
            assert entry_lines(entry) == [("090", "1000.00", "0.00"), ("970", "0.00", "1000.00")]

    @pytest.mark.parametrize(
        ("pairs", "error", "message"),
        [
            ((("090", "10.00", "0"), ("970", "0", "9.99")), UnbalancedEntryError, "differ by 0.01"),
            ((("090", "10.00", "0"),), UnbalancedEntryError, "at least two lines"),
            ((), UnbalancedEntryError, "at least two lines"),
            ((("090", "10.00", "10.00"), ("970", "0", "0")), InvalidLineError, "exactly one side"),
            ((("090", "-10.00", "0"), ("970", "-10.00", "0")), InvalidLineError, "negative"),
            ((("090", "10.005", "0"), ("970", "0", "10.005")), InvalidLineError, "two decimal places"),
        ],
    )
    def test_unbalanced_or_malformed_journals_are_refused(self, chart_a, in_tenant, owner_a, pairs, error, message):
        with in_tenant(chart_a):
            with pytest.raises(error, match=message):
                services.post_manual_entry(
                    entry_date=date(2025, 1, 1), description="Bad", lines=self.lines(*pairs), actor=owner_a
                )
            assert JournalEntry.objects.count() == 0
            assert JournalCounter.objects.get().last_number == 0

    def test_floats_are_refused(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a), pytest.raises(InvalidLineError, match="not a float"):
            services.post_manual_entry(
                entry_date=date(2025, 1, 1),
                description="Float",
                lines=[LineSpec("090", debit=10.1), LineSpec("970", credit=10.1)],
                actor=owner_a,
            )


class TestNumbering:
    def test_gap_free_per_tenant_each_starting_at_one(self, chart_a, chart_b, in_tenant):
        numbers: dict[str, list[int]] = {"a": [], "b": []}
        for tenant, key in [(chart_a, "a"), (chart_b, "b"), (chart_a, "a"), (chart_a, "a"), (chart_b, "b")]:
            with in_tenant(tenant):
                numbers[key].append(post(make_extraction()).number)
        assert numbers == {"a": [1, 2, 3], "b": [1, 2]}

    def test_a_failed_posting_does_not_use_up_a_number(self, chart_a, in_tenant, monkeypatch):
        with in_tenant(chart_a):
            post(make_extraction())
            with monkeypatch.context() as patched:
                patched.setattr(JournalLine.objects, "bulk_create", lambda *a, **k: (_ for _ in ()).throw(RuntimeError))
                with pytest.raises(RuntimeError):
                    post(make_extraction())
            assert post(make_extraction()).number == 2
            assert list(JournalEntry.objects.order_by("number").values_list("number", flat=True)) == [1, 2]

    def test_the_counter_is_created_if_seeding_did_not(self, tenant_a, in_tenant, owner_a):
        from apps.ledger.services.journal import locked_counter

        with in_tenant(tenant_a):
            assert JournalCounter.objects.count() == 0
            assert locked_counter(tenant_a.pk).last_number == 0
            assert locked_counter(tenant_a.pk).pk == JournalCounter.objects.get().pk


class TestReversal:
    def test_reversal_mirrors_links_and_is_audited(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            original = post(make_extraction())
            reversal = services.reverse_entry(entry=original, actor=owner_a, reason="Posted to the wrong business")
            assert (reversal.kind, reversal.reverses, reversal.number) == ("reversal", original, 2)
            # No VAT return is frozen: the reversal is dated in the original's period, so both cancel there.
            assert reversal.date == original.date == date(2025, 3, 14)
            assert entry_lines(reversal) == [
                ("461", "0.00", "100.00"),
                ("820", "0.00", "20.00"),
                ("800", "120.00", "0.00"),
            ]
            assert list(original.reversals.all()) == [reversal]
            assert "Posted to the wrong business" in reversal.description
        (event,) = audit_events(chart_a.pk, action="ledger.entry.reversed")
        assert '"reason_chars":28' in event.body and "wrong business" not in event.body  # sealed on the entry

    def test_reversed_entries_net_to_nothing(self, chart_a, in_tenant, owner_a):
        from apps.ledger.selectors import trial_balance

        with in_tenant(chart_a):
            services.reverse_entry(entry=post(make_extraction()), actor=owner_a, reason="Duplicate")
            assert all(row.balance == 0 for row in trial_balance().rows)

    def test_reversal_works_even_when_an_account_was_deactivated(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            original = post(make_extraction())
            services.deactivate_account(account=Account.objects.get(code="461"), actor=owner_a)
            assert services.reverse_entry(entry=original, actor=owner_a, reason="Wrong account").number == 2

    def test_an_entry_is_reversed_once_and_reversals_are_not_reversed(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            original = post(make_extraction())
            reversal = services.reverse_entry(entry=original, actor=owner_a, reason="Duplicate")
            with pytest.raises(ReversalError, match="already reversed by journal 2"):
                services.reverse_entry(entry=original, actor=owner_a, reason="Again")
            with pytest.raises(ReversalError, match="itself a reversal"):
                services.reverse_entry(entry=reversal, actor=owner_a, reason="Undo the undo")
            with pytest.raises(ReversalError, match="Say why"):
                services.reverse_entry(entry=original, actor=owner_a, reason="  ")
            assert JournalEntry.objects.count() == 2
