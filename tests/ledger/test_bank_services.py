"""Bank-feed lines: import through the sandbox, post with the VAT split, match, ignore, and the filing blocker."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.integrations.errors import ExternalServiceUnavailable
from apps.ledger import selectors, services
from apps.ledger.models import BankTransaction, JournalEntry
from apps.ledger.services import bank, bank_import
from apps.ledger.services.bank import BankLineError
from apps.sandbox.fixtures import DEMO_BANK_ACCOUNT_ID, DEMO_COMPANY_NUMBER
from apps.sandbox.services.faults import clear_faults, set_fault
from tests.factories import BankTransactionFactory
from tests.helpers import audit_actions
from tests.ledger.conftest import entry_lines

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def feed_a(chart_a, sandbox_http):
    """tenant_a is the sandbox's demo company, with its chart of accounts; no injected faults."""
    chart_a.company_number = DEMO_COMPANY_NUMBER
    chart_a.save(update_fields=["company_number"])
    clear_faults()
    yield chart_a
    clear_faults()


def bank_line(tenant, amount: str, *, on: date = date(2025, 2, 10), **kwargs) -> BankTransaction:
    return BankTransactionFactory(tenant=tenant, amount=D(amount), date=on, **kwargs)


class TestSync:
    def test_imports_the_feed_once(self, feed_a, in_tenant, sandbox_http):
        first = bank_import.sync_bank_feed(tenant=feed_a)
        assert first.accounts == [DEMO_BANK_ACCOUNT_ID] and first.imported > 0
        with in_tenant(feed_a):
            lines = list(BankTransaction.objects.order_by("date", "external_id"))
            # Sealed with the business's data key (decision 0025): they open inside its context.
            rent = [line for line in lines if line.counterparty == "Millrace Yard Estates"]
        assert len(lines) == first.imported
        assert all(line.status == "unposted" and line.amount != 0 for line in lines)
        assert all(line.feed_account_id == DEMO_BANK_ACCOUNT_ID for line in lines)
        today = timezone.localdate()  # the service's and the sandbox's today (not the machine's)
        assert lines[-1].date <= today and lines[0].date >= today - timedelta(days=365)
        assert rent and all(line.amount == D("-1250.00") for line in rent)  # monthly standing order, exact

        again = bank_import.sync_bank_feed(tenant=feed_a)
        assert again.imported == 0 and again.already_held > 0
        with in_tenant(feed_a):
            assert BankTransaction.objects.count() == len(lines)
        # The second import asked only from a week before the newest line it held.
        since = sandbox_http.requests[-1].url.split("from=")[1][:10]
        assert date.fromisoformat(since) == lines[-1].date - timedelta(days=bank_import.OVERLAP_DAYS)
        with in_tenant(feed_a):
            assert audit_actions(feed_a.pk).count("ledger.bank.synced") == 2

    def test_an_outage_propagates_and_writes_nothing(self, feed_a, in_tenant):
        set_fault("bank", outage=True)
        with pytest.raises(ExternalServiceUnavailable):
            bank_import.sync_bank_feed(tenant=feed_a)
        with in_tenant(feed_a):
            assert BankTransaction.objects.count() == 0

    def test_a_business_without_a_company_number_is_told(self, chart_a, sandbox_http):
        chart_a.company_number = ""
        chart_a.save(update_fields=["company_number"])
        with pytest.raises(BankLineError, match="Companies House number"):
            bank_import.sync_bank_feed(tenant=chart_a)
        assert sandbox_http.requests == []

    def test_no_accounts_at_the_bank(self, chart_a, sandbox_http):
        result = bank_import.sync_bank_feed(tenant=chart_a)  # a company number the bank does not know
        assert result.accounts == [] and result.imported == 0
        assert "no accounts" in result.summary

    def test_the_window_is_a_year_at_most(self):
        today = date(2026, 6, 30)
        assert bank_import._window(None, None, today) == (today - timedelta(days=365), today)
        assert bank_import._window(date(2026, 6, 20), None, today) == (date(2026, 6, 13), today)
        assert bank_import._window(None, date(2026, 1, 1), today) == (date(2026, 1, 1), today)
        assert bank_import._window(date(2020, 1, 1), None, today)[0] == today - timedelta(days=365)


class TestPosting:
    def test_money_out_at_the_standard_rate(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            line = bank_line(chart_a, "-100.00", description="Card payment", counterparty="Fixings Direct Ltd")
            entry = bank.post_bank_line(line=line, account_code="461", vat_treatment="standard", actor=owner_a)
            # VAT is 1/6 of the gross, half-up to the penny: 16.666... -> 16.67.
            assert entry_lines(entry) == [("461", "83.33", "0.00"), ("820", "16.67", "0.00"), ("090", "0.00", "100.00")]
            net = entry.lines.get(account__code="461")
            assert (net.vat_treatment, net.vat_rate) == ("standard", D("20.00"))
            assert entry.kind == "bank" and entry.date == date(2025, 2, 10) and entry.created_by == owner_a
            line.refresh_from_db()
            assert (line.status, line.journal_entry, line.handled_by) == ("posted", entry, owner_a)
            assert line.handled_at is not None
            assert "ledger.bank.posted" in audit_actions(chart_a.pk)

    def test_money_in_at_the_standard_rate(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            line = bank_line(chart_a, "250.00", description="Faster payment INV-1234")
            entry = bank.post_bank_line(line=line, account_code="200", vat_treatment="standard", actor=owner_a)
            assert entry_lines(entry) == [
                ("090", "250.00", "0.00"),
                ("200", "0.00", "208.33"),
                ("821", "0.00", "41.67"),
            ]

    def test_reduced_rate_is_one_twenty_first(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            line = bank_line(chart_a, "-186.00")
            entry = bank.post_bank_line(line=line, account_code="445", vat_treatment="reduced", actor=owner_a)
            assert entry_lines(entry) == [("445", "177.14", "0.00"), ("820", "8.86", "0.00"), ("090", "0.00", "186.00")]
            assert entry.lines.get(account__code="445").vat_rate == D("5.00")

    def test_zero_rated_has_no_vat_line(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            line = bank_line(chart_a, "-42.50")
            entry = bank.post_bank_line(line=line, account_code="310", vat_treatment="zero", actor=owner_a)
            assert entry_lines(entry) == [("310", "42.50", "0.00"), ("090", "0.00", "42.50")]
            net = entry.lines.get(account__code="310")
            assert (net.vat_treatment, net.vat_rate) == ("zero", D("0.00"))

    def test_a_supplier_refund_reduces_input_vat(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            line = bank_line(chart_a, "12.00", description="Refund")
            entry = bank.post_bank_line(line=line, account_code="461", vat_treatment="standard", actor=owner_a)
            assert entry_lines(entry) == [("090", "12.00", "0.00"), ("461", "0.00", "10.00"), ("820", "0.00", "2.00")]

    def test_settling_a_payable_goes_to_800_outside_the_scope(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            line = bank_line(chart_a, "-1481.47")
            with pytest.raises(BankLineError, match="outside the scope"):
                bank.post_bank_line(line=line, account_code="800", vat_treatment="standard", actor=owner_a)
            entry = bank.post_bank_line(line=line, account_code="800", vat_treatment="outside_scope", actor=owner_a)
            assert entry_lines(entry) == [("800", "1481.47", "0.00"), ("090", "0.00", "1481.47")]
            assert entry.lines.get(account__code="800").vat_rate is None

    @pytest.mark.parametrize("code", ["090", "820", "821"])
    def test_control_accounts_are_refused(self, chart_a, in_tenant, owner_a, code):
        with in_tenant(chart_a):
            line = bank_line(chart_a, "-10.00")
            with pytest.raises(BankLineError, match="control account"):
                bank.post_bank_line(line=line, account_code=code, vat_treatment="outside_scope", actor=owner_a)
            assert JournalEntry.objects.count() == 0
            line.refresh_from_db()
            assert line.status == "unposted"

    @pytest.mark.parametrize(
        ("code", "treatment", "message"),
        [
            ("9999", "standard", "does not exist"),
            ("461", "mixed", "VAT treatment"),
            ("461", "bogus", "VAT treatment"),
            ("", "standard", "Choose the account"),
        ],
    )
    def test_bad_choices_are_refused(self, chart_a, in_tenant, owner_a, code, treatment, message):
        with in_tenant(chart_a):
            line = bank_line(chart_a, "-10.00")
            with pytest.raises(BankLineError, match=message):
                bank.post_bank_line(line=line, account_code=code, vat_treatment=treatment, actor=owner_a)
            assert JournalEntry.objects.count() == 0

    def test_an_inactive_account_is_refused(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            services.deactivate_account(account=selectors.account_by_code("461"), actor=owner_a)
            line = bank_line(chart_a, "-10.00")
            with pytest.raises(BankLineError, match="inactive"):
                bank.post_bank_line(line=line, account_code="461", vat_treatment="standard", actor=owner_a)

    def test_a_line_is_posted_once(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            line = bank_line(chart_a, "-10.00")
            entry = bank.post_bank_line(line=line, account_code="461", vat_treatment="standard", actor=owner_a)
            with pytest.raises(BankLineError, match=f"already posted \\(journal {entry.number}\\)"):
                bank.post_bank_line(line=line, account_code="461", vat_treatment="standard", actor=owner_a)
            with pytest.raises(BankLineError, match="already posted"):
                bank.ignore_bank_line(line=line, reason="duplicate", actor=owner_a)
            assert JournalEntry.objects.count() == 1

    def test_a_reversed_posting_needs_posting_again(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            line = bank_line(chart_a, "-60.00")
            first = bank.post_bank_line(line=line, account_code="461", vat_treatment="standard", actor=owner_a)
            assert selectors.unposted_bank_lines(start=line.date, end=line.date) == []
            assert selectors.unposted_bank_line_count(start=line.date, end=line.date) == 0
            services.reverse_entry(entry=first, actor=owner_a, reason="wrong account")
            assert selectors.unposted_bank_lines(start=line.date, end=line.date) == [line]
            assert selectors.unposted_bank_line_count(start=line.date, end=line.date) == 1
            second = bank.post_bank_line(line=line, account_code="463", vat_treatment="standard", actor=owner_a)
            line.refresh_from_db()
            assert line.journal_entry == second and selectors.unposted_bank_lines(start=line.date, end=line.date) == []


class TestMatchAndIgnore:
    def test_matching_an_entry_that_paid_through_the_bank(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            paid = services.post_manual_entry(
                entry_date=date(2025, 2, 9),
                description="Paid Timberline Supplies",
                lines=[services.LineSpec("800", debit=D("300.00")), services.LineSpec("090", credit=D("300.00"))],
                actor=owner_a,
            )
            line = bank_line(chart_a, "-300.00")
            assert selectors.match_candidates([line]) == {line.pk: [paid]}
            bank.match_bank_line(line=line, entry=paid, actor=owner_a)
            line.refresh_from_db()
            assert (line.status, line.journal_entry) == ("matched", paid)
            assert JournalEntry.objects.count() == 1  # the link only
            assert "ledger.bank.matched" in audit_actions(chart_a.pk)
            other = bank_line(chart_a, "-300.00")
            assert selectors.match_candidates([other]) == {other.pk: []}
            with pytest.raises(BankLineError, match="already linked"):
                bank.match_bank_line(line=other, entry=paid, actor=owner_a)

    def test_matching_refuses_other_amounts_and_entries_that_miss_the_bank(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            paid = services.post_manual_entry(
                entry_date=date(2025, 2, 9),
                description="Paid",
                lines=[services.LineSpec("800", debit=D("300.00")), services.LineSpec("090", credit=D("300.00"))],
                actor=owner_a,
            )
            accrual = services.post_manual_entry(
                entry_date=date(2025, 2, 9),
                description="Accrual",
                lines=[services.LineSpec("461", debit=D("300.00")), services.LineSpec("800", credit=D("300.00"))],
                actor=owner_a,
            )
            line = bank_line(chart_a, "-299.99")
            with pytest.raises(BankLineError, match=r"moved \(£300\.00\) through the bank"):
                bank.match_bank_line(line=line, entry=paid, actor=owner_a)
            with pytest.raises(BankLineError, match="does not touch the bank account 090"):
                bank.match_bank_line(line=line, entry=accrual, actor=owner_a)
            line.refresh_from_db()
            assert line.status == "unposted"

    def test_ignore_needs_a_reason_and_can_be_undone(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            line = bank_line(chart_a, "-500.00", description="Transfer to savings")
            with pytest.raises(BankLineError, match="Say why"):
                bank.ignore_bank_line(line=line, reason="  ", actor=owner_a)
            bank.ignore_bank_line(line=line, reason="Transfer between own accounts", actor=owner_a)
            line.refresh_from_db()
            assert (line.status, line.ignored_reason, line.journal_entry) == (
                "ignored",
                "Transfer between own accounts",
                None,
            )
            assert selectors.unposted_bank_lines(start=line.date, end=line.date) == []
            assert selectors.unposted_bank_line_count(start=line.date, end=line.date) == 0
            bank.restore_bank_line(line=line, actor=owner_a)
            assert selectors.unposted_bank_lines(start=line.date, end=line.date) == [line]
            assert selectors.unposted_bank_line_count(start=line.date, end=line.date) == 1
            assert {"ledger.bank.ignored", "ledger.bank.restored"} <= set(audit_actions(chart_a.pk))


class TestSelectorsAndFiling:
    def test_unposted_lines_between_inclusive_bounds(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            before = bank_line(chart_a, "-1.00", on=date(2024, 12, 31))
            first = bank_line(chart_a, "-2.00", on=date(2025, 1, 1))
            last = bank_line(chart_a, "-3.00", on=date(2025, 3, 31))
            after = bank_line(chart_a, "-4.00", on=date(2025, 4, 1))
            posted = bank_line(chart_a, "-5.00", on=date(2025, 2, 1))
            bank.post_bank_line(line=posted, account_code="461", vat_treatment="zero", actor=owner_a)
            found = selectors.unposted_bank_lines(start=date(2025, 1, 1), end=date(2025, 3, 31))
            assert found == [first, last]
            assert selectors.unposted_bank_line_count(start=date(2025, 1, 1), end=date(2025, 3, 31)) == 2
            assert before not in found and after not in found
            assert selectors.bank_line_counts() | {} == {
                "unposted": 4,
                "posted": 1,
                "matched": 0,
                "ignored": 0,
                "all": 5,
            }

    def test_the_filing_blocker_lasts_until_the_line_is_posted(self, chart_a, in_tenant, owner_a):
        from apps.filing import calculation
        from apps.filing.domain import VatBoxes
        from tests.factories.filing import quarter

        def codes(obligation):
            return {b.code: b for b in calculation.blockers_for(obligation, VatBoxes(), None)}

        with in_tenant(chart_a):
            q1 = quarter(chart_a, date(2025, 1, 1))
            assert "bank_lines_unposted" not in codes(q1)
            line = bank_line(chart_a, "-48.00", on=date(2025, 3, 31))
            bank_line(chart_a, "-9.00", on=date(2025, 4, 1))  # next quarter: not this one's blocker
            blocker = codes(q1)["bank_lines_unposted"]
            assert blocker.count == 1 and blocker.link == "bank"
            bank.post_bank_line(line=line, account_code="449", vat_treatment="standard", actor=owner_a)
            assert "bank_lines_unposted" not in codes(q1)


class TestTasks:
    def test_beat_syncs_only_businesses_that_imported_before(self, feed_a, tenant_b, in_tenant, owner_a, monkeypatch):
        from apps.ledger import tasks

        assert tasks.sync_tenant_bank_feed(tenant_id=str(feed_a.pk)) == "not_linked"
        bank_import.sync_bank_feed(tenant=feed_a, actor=owner_a)
        assert tasks.sync_tenant_bank_feed(tenant_id=str(feed_a.pk)) == 0  # nothing new since

        from tests.helpers import queued

        tenant_b.company_number = ""
        tenant_b.save(update_fields=["company_number"])
        count = tasks.sync_all_bank_feeds()
        sent = [kw["tenant_id"] for kw in queued("integrations.sync_bank_feed")]
        assert count == len(sent)
        assert str(feed_a.pk) in sent and str(tenant_b.pk) not in sent


class TestDatabase:
    def test_the_database_refuses_a_posted_line_without_its_entry(self, chart_a, in_tenant):
        from django.db import IntegrityError, transaction

        with in_tenant(chart_a):
            line = bank_line(chart_a, "-10.00")
            with pytest.raises(IntegrityError), transaction.atomic():
                BankTransaction.objects.filter(pk=line.pk).update(status="posted")
            with pytest.raises(IntegrityError), transaction.atomic():
                BankTransaction.objects.filter(pk=line.pk).update(status="ignored")  # no reason
            with pytest.raises(IntegrityError), transaction.atomic():
                bank_line(chart_a, "0.00")
