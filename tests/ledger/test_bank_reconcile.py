"""Bank reconciliation: suggestions and their reasons, settling bills and invoices, split, rules, undo, bulk."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from apps.audit.models import AuditEvent
from apps.ledger import bank_selectors, services
from apps.ledger.errors import LedgerError
from apps.ledger.models import BankRule, BankSettlement, BankTransaction, JournalEntry
from apps.ledger.services import bank as bank_services
from apps.ledger.services import bank_bulk, bank_import, bank_reconcile, bank_rules
from apps.ledger.services.bank_reconcile import SplitPart
from tests.factories import BankTransactionFactory
from tests.ledger.builders import classified, make_extraction
from tests.ledger.conftest import entry_lines

pytestmark = pytest.mark.django_db
D = Decimal


def bill(supplier: str, gross: str, on: date, *, number: str = "INV-1", account: str = "461") -> JournalEntry:
    net = (D(gross) / 6 * 5).quantize(D("0.01"))
    vat = D(gross) - net
    return services.post_document(
        document_id=uuid.uuid4(),
        extraction=make_extraction(
            supplier=supplier,
            number=number,
            issue_date=on,
            net=str(net),
            vat=str(vat),
            gross=gross,
            breakdown=(("20", str(net), str(vat)),),
        ),
        classification=classified(account),
    )


def sales_invoice(customer: str, gross: str, on: date) -> JournalEntry:
    net = (D(gross) / 6 * 5).quantize(D("0.01"))
    vat = D(gross) - net
    return services.post_document(
        document_id=uuid.uuid4(),
        extraction=make_extraction(
            kind="sales_invoice",
            supplier=None,
            vat_number=None,
            customer=customer,
            number="S-1",
            issue_date=on,
            net=str(net),
            vat=str(vat),
            gross=gross,
            breakdown=(("20", str(net), str(vat)),),
        ),
        classification=classified("200"),
    )


def line(tenant, amount: str, on: date, payee: str = "", **kw) -> BankTransaction:
    return BankTransactionFactory(tenant=tenant, amount=D(amount), date=on, counterparty=payee, **kw)


@pytest.fixture
def books(chart_a, in_tenant):
    with in_tenant(chart_a):
        yield chart_a


class TestSuggestions:
    def test_a_payment_is_offered_the_bill_it_pays_with_the_reasons(self, books):
        paid = bill("Quillfeather Stationers Ltd", "120.00", date(2025, 3, 14))
        bill("Other Supplies Ltd", "120.00", date(2025, 1, 2), number="INV-9")  # same amount, older, other payee
        out = line(books, "-120.00", date(2025, 3, 16), "QUILLFEATHER STATIONERS")
        found, _ = bank_selectors.suggestions_by_line([out])
        best = found[out.pk][0]
        assert best.kind == "bill" and best.ref == str(paid.pk)
        assert best.why == (
            "same amount £120.00, 2 days after the invoice date, payee ≈ supplier 'Quillfeather Stationers Ltd'"
        )
        assert len(found[out.pk]) == 2  # the other bill of the same amount ranks below

    def test_a_receipt_is_offered_the_sales_invoice(self, books):
        sale = sales_invoice("Harbour Cafe", "60.00", date(2025, 3, 1))
        money_in = line(books, "60.00", date(2025, 3, 1), "HARBOUR CAFE")
        found, _ = bank_selectors.suggestions_by_line([money_in])
        assert found[money_in.pk][0].kind == "invoice" and found[money_in.pk][0].ref == str(sale.pk)
        assert "on the invoice date" in found[money_in.pk][0].why

    def test_paid_and_reversed_bills_are_not_offered(self, books, owner_a):
        paid = bill("Quillfeather", "120.00", date(2025, 3, 14))
        first = line(books, "-120.00", date(2025, 3, 15), "Quillfeather")
        bank_reconcile.settle_invoice(line=first, invoice=paid, actor=owner_a)
        gone = bill("Gone Ltd", "120.00", date(2025, 3, 14), number="G-1")
        services.reverse_entry(entry=gone, actor=owner_a, reason="duplicate")
        second = line(books, "-120.00", date(2025, 3, 16), "Quillfeather")
        found, _ = bank_selectors.suggestions_by_line([second])
        assert [s for s in found[second.pk] if s.kind == "bill"] == []

    def test_the_queries_do_not_grow_with_lines(self, books, django_assert_num_queries):
        for n in range(3):
            bill(f"Supplier {n}", f"{10 + n}.00", date(2025, 3, 1), number=f"N{n}")
        few = [line(books, "-10.00", date(2025, 3, 2), "Supplier 0")]
        many = [line(books, f"-{10 + n % 3}.00", date(2025, 3, 2), f"Supplier {n}") for n in range(30)]
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as one:
            bank_selectors.suggestions_by_line(few)
        with CaptureQueriesContext(connection) as lots:
            bank_selectors.suggestions_by_line(many)
        assert len(one) == len(lots) <= 8


class TestSettle:
    def test_paying_a_bill_posts_through_payables_and_marks_it_paid(self, books, owner_a):
        paid = bill("Quillfeather", "120.00", date(2025, 3, 14))
        out = line(books, "-120.00", date(2025, 3, 16), "Quillfeather")
        entry = bank_reconcile.settle_invoice(line=out, invoice=paid, actor=owner_a)
        assert entry_lines(entry) == [("800", "120.00", "0.00"), ("090", "0.00", "120.00")]
        out.refresh_from_db()
        assert (out.status, out.journal_entry_id) == ("posted", entry.pk)
        assert BankSettlement.objects.get(invoice=paid).payment == entry
        assert AuditEvent.objects.filter(action="ledger.bank.settled").count() == 1
        again = line(books, "-120.00", date(2025, 3, 17), "Quillfeather")
        with pytest.raises(LedgerError, match="already paid"):
            bank_reconcile.settle_invoice(line=again, invoice=paid, actor=owner_a)

    def test_a_receipt_credits_receivables(self, books, owner_a):
        sale = sales_invoice("Harbour Cafe", "60.00", date(2025, 3, 1))
        money_in = line(books, "60.00", date(2025, 3, 3), "Harbour Cafe")
        entry = bank_reconcile.settle_invoice(line=money_in, invoice=sale, actor=owner_a)
        assert entry_lines(entry) == [("090", "60.00", "0.00"), ("610", "0.00", "60.00")]

    def test_a_different_amount_or_direction_is_refused_and_writes_nothing(self, books, owner_a):
        paid = bill("Quillfeather", "120.00", date(2025, 3, 14))
        before = JournalEntry.objects.count()
        for amount in ("-119.99", "120.00"):
            wrong = line(books, amount, date(2025, 3, 16), "Quillfeather")
            with pytest.raises(LedgerError, match="split the line or post it"):
                bank_reconcile.settle_invoice(line=wrong, invoice=paid, actor=owner_a)
        manual = services.post_manual_entry(
            entry_date=date(2025, 3, 1),
            description="Opening",
            actor=owner_a,
            lines=[services.LineSpec("090", debit=D("5.00")), services.LineSpec("970", credit=D("5.00"))],
        )
        with pytest.raises(LedgerError, match="not a bill or a sales invoice"):
            bank_reconcile.settle_invoice(line=line(books, "-5.00", date(2025, 3, 2)), invoice=manual, actor=owner_a)
        assert JournalEntry.objects.count() == before + 1 and not BankSettlement.objects.exists()

    def test_undo_reverses_the_payment_and_reopens_the_bill(self, books, owner_a):
        paid = bill("Quillfeather", "120.00", date(2025, 3, 14))
        out = line(books, "-120.00", date(2025, 3, 16), "Quillfeather")
        payment = bank_reconcile.settle_invoice(line=out, invoice=paid, actor=owner_a)
        bank_reconcile.undo_bank_line(line=out, actor=owner_a)
        out.refresh_from_db()
        assert (out.status, out.journal_entry_id) == ("unposted", None)
        assert payment.reversals.exists()
        found, _ = bank_selectors.suggestions_by_line([out])
        assert found[out.pk][0].ref == str(paid.pk)  # open again
        with pytest.raises(LedgerError, match="Only a posted or matched"):
            bank_reconcile.undo_bank_line(line=out, actor=owner_a)


class TestSplit:
    def test_split_across_accounts_with_vat_per_part(self, books, owner_a):
        out = line(books, "-150.00", date(2025, 3, 16), "Corner Shop")
        entry = bank_reconcile.split_bank_line(
            line=out,
            parts=[SplitPart("461", D("120.00"), "standard"), SplitPart("495", D("30.00"), "zero")],
            actor=owner_a,
        )
        assert entry_lines(entry) == [
            ("461", "100.00", "0.00"),
            ("495", "30.00", "0.00"),
            ("820", "20.00", "0.00"),
            ("090", "0.00", "150.00"),
        ]

    @pytest.mark.parametrize(
        ("parts", "message"),
        [
            ([("461", "100.00"), ("495", "30.00")], r"add up to £130.00; the line is £150.00 \(£20.00 short\)"),
            ([("461", "100.00"), ("495", "60.00")], r"£10.00 over"),
            ([("461", "150.00")], "between 2 and 10 parts"),
            ([("461", "150.00"), ("495", "0.00")], "above £0.00"),
            ([("461", "140.00"), ("090", "10.00")], "control account"),
            ([("461", "140.001"), ("495", "9.999")], "more than two decimal places"),
        ],
    )
    def test_bad_splits_are_refused_and_write_nothing(self, books, owner_a, parts, message):
        out = line(books, "-150.00", date(2025, 3, 16))
        with pytest.raises(LedgerError, match=message):
            bank_reconcile.split_bank_line(
                line=out, parts=[SplitPart(a, D(m), "standard") for a, m in parts], actor=owner_a
            )
        out.refresh_from_db()
        assert out.status == "unposted" and not JournalEntry.objects.exists()


class TestRules:
    def test_a_rule_posts_matching_lines_now_and_on_import_and_is_named(self, books, owner_a):
        match = line(books, "-45.00", date(2025, 3, 1), "Northern Power plc")
        other = line(books, "-45.00", date(2025, 3, 1), "Someone Else")
        result = bank_rules.create_bank_rule(
            name="",
            payee_contains="northern power",
            direction="out",
            amount_min=D("10"),
            amount_max=D("100"),
            account_code="445",
            vat_treatment="reduced",
            actor=owner_a,
        )
        assert result.applied == 1
        match.refresh_from_db()
        other.refresh_from_db()
        assert (match.status, match.rule_id, other.status) == ("posted", result.rule.pk, "unposted")
        assert entry_lines(match.journal_entry)[0] == ("445", "42.86", "0.00")
        # On import: the same service the feed sync calls for its new lines.
        fresh = line(books, "-50.00", date(2025, 4, 1), "NORTHERN POWER PLC")
        assert bank_import.apply_bank_rules([fresh], actor=None) == 1
        fresh.refresh_from_db()
        assert fresh.rule_id == result.rule.pk
        # Undo: the posting is reversed, the line needs handling again.
        bank_reconcile.undo_bank_line(line=fresh, actor=owner_a)
        fresh.refresh_from_db()
        assert (fresh.status, fresh.rule_id) == ("unposted", None)

    @pytest.mark.parametrize(
        ("kw", "message"),
        [
            ({"payee_contains": "", "amount_min": None, "amount_max": None}, "no condition"),
            ({"amount_min": D("10"), "amount_max": D("5")}, "smallest amount is larger"),
            ({"account_code": "820"}, "control account"),
            ({"direction": "sideways"}, "money out or money in"),
        ],
    )
    def test_bad_rules_are_refused(self, books, owner_a, kw, message):
        values = {
            "name": "",
            "payee_contains": "x",
            "direction": "out",
            "amount_min": None,
            "amount_max": None,
            "account_code": "461",
            "vat_treatment": "standard",
        } | kw
        with pytest.raises(LedgerError, match=message):
            bank_rules.create_bank_rule(actor=owner_a, **values)
        assert not BankRule.objects.exists()

    def test_three_postings_to_one_account_propose_a_rule(self, books, owner_a):
        for n in range(3):
            done = line(books, f"-{20 + n}.00", date(2025, 3, 1 + n), "Cloudbox Software")
            bank_services.post_bank_line(line=done, account_code="463", vat_treatment="standard", actor=owner_a)
        fourth = line(books, "-23.00", date(2025, 3, 9), "CLOUDBOX SOFTWARE")
        found, ctx = bank_selectors.suggestions_by_line([fourth])
        assert found[fourth.pk][0].kind == "history" and found[fourth.pk][0].account_code == "463"
        proposal = bank_selectors.rule_proposal(fourth, ctx.history, ctx.rules)
        assert proposal is not None and (proposal.account_code, proposal.times) == ("463", 3)


class TestBulk:
    def test_accepts_each_best_suggestion_one_transaction_per_line(self, books, owner_a):
        a = bill("Alpha Ltd", "10.00", date(2025, 3, 1), number="A")
        b = bill("Beta Ltd", "10.00", date(2025, 3, 1), number="B")
        first = line(books, "-10.00", date(2025, 3, 2), "Alpha")
        second = line(books, "-10.00", date(2025, 3, 2), "Beta")
        lonely = line(books, "-99.00", date(2025, 3, 2), "Nobody")
        result = bank_bulk.bulk_handle(lines=[first, second, lonely], action="accept", actor=owner_a)
        assert (result.done, result.without_suggestion, result.refused) == (2, 1, [])
        assert {s.invoice_id for s in BankSettlement.objects.all()} == {a.pk, b.pk}
        assert "2 line(s) handled; 1 had no suggestion" in result.summary

    def test_ignore_needs_a_reason(self, books, owner_a):
        one = line(books, "-10.00", date(2025, 3, 2))
        with pytest.raises(LedgerError, match="Say why"):
            bank_bulk.bulk_handle(lines=[one], action="ignore", actor=owner_a)
        result = bank_bulk.bulk_handle(lines=[one], action="ignore", reason="own transfer", actor=owner_a)
        one.refresh_from_db()
        assert result.done == 1 and one.status == "ignored"


def test_the_statement_check_explains_the_difference(books, owner_a):
    services.post_manual_entry(
        entry_date=date(2025, 1, 1),
        description="Opening balance",
        actor=owner_a,
        lines=[services.LineSpec("090", debit=D("1000.00")), services.LineSpec("970", credit=D("1000.00"))],
    )
    line(books, "-200.00", date(2025, 1, 5))
    check = bank_selectors.statement_check(as_of=date(2025, 1, 31), statement_balance=D("800.00"))
    assert (check.ledger_balance, check.difference, check.not_in_books, check.unexplained) == (
        D("1000.00"),
        D("-200.00"),
        D("-200.00"),
        D("0.00"),
    )


def test_the_feed_import_posts_what_a_bank_rule_covers_and_names_it(chart_a, sandbox_http, in_tenant, owner_a):
    """The sandbox feed's monthly rent standing order (Millrace Yard Estates, £1,250) is posted by a rule on import."""
    from apps.sandbox.fixtures import DEMO_COMPANY_NUMBER
    from apps.sandbox.services.faults import clear_faults

    chart_a.company_number = DEMO_COMPANY_NUMBER
    chart_a.save(update_fields=["company_number"])
    clear_faults()
    with in_tenant(chart_a):
        rule = BankRule.objects.create(
            tenant=chart_a,
            name="Rent",
            payee_contains="millrace yard",
            direction="out",
            account_code="469",
            vat_treatment="exempt",
        )
    result = bank_import.sync_bank_feed(tenant=chart_a, actor=owner_a)
    with in_tenant(chart_a):
        rent = list(BankTransaction.objects.filter(rule=rule))
        others = BankTransaction.objects.exclude(rule=rule)
        assert rent and result.by_rule == len(rent) and all(line.status == "posted" for line in rent)
        assert all(line.counterparty == "Millrace Yard Estates" for line in rent)
        assert not others.filter(status="posted").exists()
        assert entry_lines(rent[0].journal_entry) == [("469", "1250.00", "0.00"), ("090", "0.00", "1250.00")]
    assert f"{len(rent)} posted by bank rules" in result.summary


# An id that names nothing, fixed: parametrize ids must be the same in every pytest-xdist worker.
NOWHERE = uuid.UUID("00000000-0000-4000-8000-00000000dead")


class TestAcceptingEachKindOfSuggestion:
    """What the row's Accept button sends, for every kind the page offers, and refusals that write nothing."""

    def _rule(self, owner, **kw):
        values = {"name": "Power", "payee_contains": "northern power", "direction": "out", "amount_min": None,
                  "amount_max": None, "account_code": "445", "vat_treatment": "reduced"} | kw  # fmt: skip
        return bank_rules.create_bank_rule(actor=owner, **values).rule

    def test_a_journal_suggestion_matches_the_line_to_it(self, books, owner_a):
        entry = services.post_manual_entry(
            entry_date=date(2025, 3, 1),
            description="Transfer to savings",
            actor=owner_a,
            lines=[services.LineSpec("970", debit=D("300.00")), services.LineSpec("090", credit=D("300.00"))],
        )
        out = line(books, "-300.00", date(2025, 3, 2), "Own account")
        said = bank_reconcile.accept_suggestion(line=out, kind="journal", ref=str(entry.pk), actor=owner_a)
        out.refresh_from_db()
        assert said == f"Matched to journal {entry.number}." and out.journal_entry_id == entry.pk
        assert JournalEntry.objects.count() == 1  # a match records the link, not another posting

    def test_a_rule_suggestion_posts_by_the_rule_and_names_it(self, books, owner_a):
        rule = self._rule(owner_a)  # made before the line: creating a rule posts the lines it covers at once
        bank_rules.deactivate_bank_rule(rule=rule, actor=owner_a)
        out = line(books, "-45.00", date(2025, 3, 1), "Northern Power plc")
        with pytest.raises(LedgerError, match="does not cover this line"):
            bank_reconcile.accept_suggestion(line=out, kind="rule", ref=str(rule.pk), actor=owner_a)
        BankRule.objects.filter(pk=rule.pk).update(is_active=True)  # the page offered it while it was on
        said = bank_reconcile.accept_suggestion(line=out, kind="rule", ref=str(rule.pk), actor=owner_a)
        out.refresh_from_db()
        assert "by rule 'Power'" in said and (out.status, out.rule_id) == ("posted", rule.pk)

    @pytest.mark.parametrize("ref", ["not-a-uuid", str(NOWHERE)])
    def test_an_unknown_rule_is_refused(self, books, owner_a, ref):
        out = line(books, "-45.00", date(2025, 3, 1), "Northern Power plc")
        with pytest.raises(LedgerError, match="does not exist in this business"):
            bank_reconcile.accept_suggestion(line=out, kind="rule", ref=ref, actor=owner_a)
        out.refresh_from_db()
        assert out.status == "unposted" and not JournalEntry.objects.exists()

    def test_a_history_suggestion_posts_to_the_account_it_names(self, books, owner_a):
        out = line(books, "-23.00", date(2025, 3, 9), "Cloudbox Software")
        said = bank_reconcile.accept_suggestion(line=out, kind="history", ref="463:standard", actor=owner_a)
        out.refresh_from_db()
        assert said.startswith("Posted to 463 as journal") and out.status == "posted"
        assert entry_lines(out.journal_entry)[0][0] == "463"

    @pytest.mark.parametrize(("kind", "ref"), [("gift", "x"), ("bill", str(NOWHERE))])
    def test_an_unknown_kind_or_entry_is_refused_and_writes_nothing(self, books, owner_a, kind, ref):
        out = line(books, "-10.00", date(2025, 3, 2))
        with pytest.raises(LedgerError):
            bank_reconcile.accept_suggestion(line=out, kind=kind, ref=ref, actor=owner_a)
        out.refresh_from_db()
        assert out.status == "unposted" and not JournalEntry.objects.exists()

    def test_a_reversed_bill_is_not_settled(self, books, owner_a):
        paid = bill("Alpha Ltd", "10.00", date(2025, 3, 1), number="A")
        services.reverse_entry(entry=paid, actor=owner_a, reason="entered twice", entry_date=date(2025, 3, 1))
        out = line(books, "-10.00", date(2025, 3, 2), "Alpha")
        with pytest.raises(LedgerError, match="was reversed"):
            bank_reconcile.settle_invoice(line=out, invoice=paid, actor=owner_a)
        assert not BankSettlement.objects.exists()


class TestBulkRefusals:
    @pytest.mark.parametrize(("count", "message"), [(0, "at least one"), (bank_bulk.MAX_BULK_LINES + 1, "at most")])
    def test_an_empty_or_oversized_selection_is_refused(self, books, owner_a, count, message):
        lines = [BankTransaction(tenant=books, amount=D("-1.00"), date=date(2025, 3, 1))] * count
        with pytest.raises(LedgerError, match=message):
            bank_bulk.bulk_handle(lines=lines, action="accept", actor=owner_a)

    def test_a_line_the_service_refuses_is_counted_and_the_rest_are_done(self, books, owner_a):
        done = line(books, "-10.00", date(2025, 3, 2))
        gone = line(books, "-11.00", date(2025, 3, 2))
        bank_services.ignore_bank_line(line=gone, reason="duplicate", actor=owner_a)
        stale = BankTransaction.objects.get(pk=gone.pk)
        stale.status = "unposted"  # the page's copy, read before someone else ignored it
        result = bank_bulk.bulk_handle(lines=[done, stale], action="ignore", reason="own transfer", actor=owner_a)
        assert (result.done, len(result.refused)) == (1, 1)
        assert "1 refused:" in result.summary
