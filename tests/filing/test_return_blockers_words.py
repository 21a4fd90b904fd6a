"""The VAT return's blockers and box checks, each pinned in its code, words and link (kills mutmut's survivors).

What stops an approval is told to a person in words with a link to the fix;
a blocker with the wrong message, link or count misleads them. See
docs/mutation.md for the mutation run these were written against.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.documents.models import DocumentState
from apps.filing import calculation
from apps.filing.domain import MAX_BOX_1_TO_4, MAX_BOX_5, MAX_BOX_6_TO_9, VatBoxes
from apps.filing.models import VatObligation, VatSettings
from apps.tenancy.context import tenant_context
from tests.factories import DocumentFactory
from tests.factories.filing import quarter

pytestmark = pytest.mark.django_db
D = Decimal


def blockers(obligation, settings, boxes=None):
    return calculation.blockers_for(obligation, boxes or VatBoxes(), settings)


def as_tuples(found):
    return [(b.code, b.message, b.count, b.link) for b in found]


def test_a_closed_period_with_everything_missing_lists_each_blocker(tenant_a, books_a):
    q1 = books_a[0]
    with tenant_context(tenant_a):
        VatObligation.objects.filter(pk=q1.pk).update(status=VatObligation.Status.FULFILLED)
        q1.refresh_from_db()
        found = blockers(q1, None)
    assert as_tuples(found) == [
        ("no_settings", "Choose the business's VAT scheme and stagger first.", 0, "settings"),
        ("hmrc_not_connected", "Connect Strongroom to HMRC (or renew the connection) to file.", 0, "hmrc"),
        ("fulfilled", "HMRC already has a return for this period.", 0, ""),
    ]


def test_cash_accounting_and_an_open_period(tenant_a, owner_a):
    today = timezone.localdate()
    with tenant_context(tenant_a):
        settings = VatSettings(tenant=tenant_a, scheme="cash", stagger="stagger_1", first_period_start=date(2025, 1, 1))
        current = quarter(tenant_a, date(today.year, 3 * ((today.month - 1) // 3) + 1, 1))
        found = blockers(current, settings)
    codes = [b.code for b in found]
    assert codes[:2] == ["cash_scheme", "period_not_ended"]
    assert found[0].message == (
        "Cash accounting returns need payment dates for every invoice, which Strongroom does not record yet: "
        "file this return with your accountant's software."
    )
    assert found[1].message == (
        f"The period ends on {current.end:%d %B %Y}: HMRC accepts the return from the day after."
    )


def test_the_last_day_of_the_period_still_blocks(tenant_a, monkeypatch):
    with tenant_context(tenant_a):
        q = quarter(tenant_a, date(2025, 1, 1))
        settings = VatSettings(tenant=tenant_a, stagger="stagger_1", first_period_start=date(2025, 1, 1))
        monkeypatch.setattr(timezone, "localdate", lambda: q.end)
        assert "period_not_ended" in [b.code for b in blockers(q, settings)]
        monkeypatch.setattr(timezone, "localdate", lambda: q.end + timedelta(days=1))
        assert "period_not_ended" not in [b.code for b in blockers(q, settings)]


def test_documents_waiting_for_review_are_counted_and_linked(tenant_a, books_a):
    q1 = books_a[0]
    with tenant_context(tenant_a):
        for state in (DocumentState.NEEDS_REVIEW, DocumentState.FAILED):
            DocumentFactory(tenant=tenant_a, state=state,
                            extraction={"issue_date": {"value": "2025-02-01", "confidence": 0.9}})  # fmt: skip
        found = {b.code: b for b in blockers(q1, VatSettings.objects.first())}
    document_blocker = found["documents_unresolved"]
    assert document_blocker.count == 2 and document_blocker.link == "documents"
    assert document_blocker.message == (
        "2 document(s) dated in this period still need review, failed to process, "
        "or were reversed and not posted again: review, reject or archive them."
    )
    assert document_blocker.query == "blocking=2025-01-01..2025-03-31"


def test_undated_documents_are_a_to_do_in_words_with_their_link_not_a_blocker(tenant_a, books_a):
    q1 = books_a[0]
    with tenant_context(tenant_a):
        assert calculation.document_todos() == []
        for state in (DocumentState.NEEDS_REVIEW, DocumentState.FAILED):
            DocumentFactory(tenant=tenant_a, state=state, extraction={"supplier_name": {"value": "Harbour Coffee"}})
        DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED, extraction={"supplier_name": {"value": "x"}})
        todos = calculation.document_todos()
        codes = {b.code for b in blockers(q1, VatSettings.objects.first())}
    assert [(b.code, b.message, b.count, b.link, b.query) for b in todos] == [
        (
            "documents_undated",
            "2 document(s) have no date: add the document's date so it counts in the right return.",
            2,
            "documents",
            "undated=1",
        )
    ]
    assert "documents_undated" not in codes and "documents_unresolved" not in codes


def test_figures_hmrc_would_reject_are_blockers(tenant_a, books_a):
    q1 = books_a[0]
    wrong = VatBoxes(box1=D("10.00"), box3=D("12.00"), box4=D("1.00"), box5=D("5.00"))
    with tenant_context(tenant_a):
        found = [b for b in blockers(q1, VatSettings.objects.first(), wrong) if b.code == "figures"]
    assert [b.message for b in found] == [
        "Box 3 must be box 1 plus box 2.",
        "Box 5 must be the difference between box 3 and box 4.",
    ]


def test_box_limits_in_words():
    at_limit = VatBoxes(box1=MAX_BOX_1_TO_4, box3=MAX_BOX_1_TO_4, box4=MAX_BOX_1_TO_4, box5=D("0"),
                        box6=MAX_BOX_6_TO_9, box7=-MAX_BOX_6_TO_9)  # fmt: skip
    assert at_limit.problems() == []
    over = VatBoxes(box2=MAX_BOX_1_TO_4 + D("0.01"), box3=MAX_BOX_1_TO_4 + D("0.01"), box4=D("0"),
                    box5=MAX_BOX_5 + D("0.01"), box9=-(MAX_BOX_6_TO_9 + 1))  # fmt: skip
    assert over.problems() == [
        "Box 2 is beyond HMRC's limit.",
        "Box 3 is beyond HMRC's limit.",
        "Box 5 is beyond HMRC's limit.",
        "Box 9 is beyond HMRC's limit.",
        "Box 5 must be the difference between box 3 and box 4.",
    ]
    assert VatBoxes(box5=MAX_BOX_5, box3=MAX_BOX_5).problems() == ["Box 3 must be box 1 plus box 2."]


def test_connected_means_a_connected_connection(tenant_a, hmrc_a):
    q1 = hmrc_a[0]
    with tenant_context(tenant_a):
        assert calculation.hmrc_connected(q1) is True
        found = blockers(q1, VatSettings.objects.first())
    assert "hmrc_not_connected" not in [b.code for b in found]
    from apps.integrations.models import HmrcConnection

    with tenant_context(tenant_a):
        HmrcConnection.objects.update(status="revoked")
        assert calculation.hmrc_connected(q1) is False


def test_unposted_bank_lines_and_an_unbalanced_ledger_block(tenant_a, books_a, monkeypatch):
    """Those two facts come from ledger selectors (tested with the ledger); here: what the return says of them."""
    from apps.ledger import selectors as ledger_selectors

    q1 = books_a[0]
    calls = []

    def unposted(*, start, end):
        calls.append((start, end))
        return 3

    monkeypatch.setattr(ledger_selectors, "unposted_bank_line_count", unposted, raising=False)
    monkeypatch.setattr(ledger_selectors, "unbalanced_as_of", lambda when: D("0.01") if when == q1.end else D("0"))
    with tenant_context(tenant_a):
        found = {b.code: b for b in blockers(q1, VatSettings.objects.first())}
    assert calls == [(q1.start, q1.end)]
    bank = found["bank_lines_unposted"]
    assert (bank.message, bank.count, bank.link) == (
        "3 bank line(s) in this period are not posted to the ledger yet.",
        3,
        "bank",
    )
    assert found["trial_balance"].message == "The trial balance does not balance (out by 0.01): fix the ledger first."
    assert found["trial_balance"].link == "" and found["trial_balance"].count == 0


def test_a_period_before_the_first_one_filed_here_is_blocked_in_words_with_the_settings_link(tenant_a, books_a):
    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        settings = VatSettings(tenant=tenant_a, stagger="stagger_1", first_period_start=date(2025, 4, 1))
        before = [b for b in blockers(q1, settings) if b.code == "before_first_period"]
        after = [b for b in blockers(q2, settings) if b.code == "before_first_period"]
    assert as_tuples(before) == [
        (
            "before_first_period",
            "This period is before the first period you file with Strongroom (which starts on 01 April 2025): "
            "file it with your previous software.",
            0,
            "settings",
        )
    ]
    assert after == []
    assert calculation.first_period_blocker(q1, None) == ""  # no settings: the no_settings blocker says it
