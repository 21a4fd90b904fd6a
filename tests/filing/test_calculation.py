"""The return computed from real postings: period bounds, late postings, frozen figures, blockers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.documents.models import DocumentState
from apps.filing import calculation
from apps.filing.domain import VatBoxes
from apps.filing.models import VatReturn, VatSettings
from apps.filing.services.returns import fingerprint, send_for_approval
from apps.ledger.services.posting import reverse_entry
from apps.tenancy.context import tenant_context
from tests.factories import DocumentFactory
from tests.filing.conftest import WORKED_EXAMPLE_BOXES, purchase, sale

D = Decimal
WORKED = WORKED_EXAMPLE_BOXES


def figures(obligation):
    settings = VatSettings.objects.first()
    vat_return = VatReturn.objects.filter(obligation=obligation).first()
    return calculation.figures_for(obligation, vat_return, settings)


def test_worked_example_posted_through_the_ledger_gives_the_spec_boxes(tenant_with_books):
    with tenant_context(tenant_with_books.tenant):
        result = figures(tenant_with_books.q1)
    assert result.boxes == WORKED
    # Drill-down: every line behind box 1 is on the output VAT account.
    assert {line.account.code for line, _, _ in result.lines_by_box[1]} == {"821"}
    assert sum(amount for _, amount, _ in result.lines_by_box[6]) == D("14500.00")


def test_only_lines_dated_inside_the_period_count(tenant_a, owner_a, books_a):
    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        sale(date(2025, 3, 31), "100.00", "20.00", actor=owner_a)
        sale(date(2025, 4, 1), "200.00", "40.00", actor=owner_a)
        sale(date(2024, 12, 31), "999.00", "199.80", actor=owner_a)  # before the first VAT period
        assert figures(q1).boxes.box1 == D("20.00")
        # Q1 is still a draft, so its lines stay with Q1 and are not carried into Q2.
        assert figures(q2).boxes.box1 == D("40.00")


def test_a_late_posting_into_a_frozen_period_goes_to_the_next_return_as_an_adjustment(tenant_a, owner_a, books_a):
    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
        send_for_approval(obligation=q1, actor=owner_a, expected_fingerprint=fingerprint(figures(q1).boxes))
        frozen_before = figures(q1).boxes
        sale(date(2025, 3, 15), "50.00", "10.00", actor=owner_a)  # dated in Q1, posted after the freeze
        sale(date(2025, 5, 1), "10.00", "2.00", actor=owner_a)
        assert figures(q1).boxes == frozen_before  # the approved figure never moves
        q2_figures = figures(q2)
    assert frozen_before.box1 == D("20.00")
    assert q2_figures.boxes.box1 == D("12.00")
    assert q2_figures.adjustments == 2  # the late sale's net and VAT lines
    late = [line for line, _, adjustment in q2_figures.lines_by_box[1] if adjustment]
    assert [line.entry.date for line in late] == [date(2025, 3, 15)]


def test_a_reversal_takes_the_entry_back_out(tenant_a, owner_a, books_a):
    q1 = books_a[0]
    with tenant_context(tenant_a):
        entry = purchase(date(2025, 1, 10), "100.00", "20.00", actor=owner_a)
        reverse_entry(entry=entry, actor=owner_a, reason="Duplicate", entry_date=date(2025, 1, 11))
        assert figures(q1).boxes == VatBoxes()


def test_blockers_name_documents_to_review_and_an_unfinished_period(tenant_a, owner_a, books_a):
    q1 = books_a[0]
    with tenant_context(tenant_a):
        DocumentFactory(
            tenant=tenant_a,
            state=DocumentState.NEEDS_REVIEW,
            extraction={"issue_date": {"value": "2025-02-02", "confidence": 0.9}},
        )
        DocumentFactory(
            tenant=tenant_a,
            state=DocumentState.NEEDS_REVIEW,
            extraction={"issue_date": {"value": "2025-06-02", "confidence": 0.9}},  # another period
        )
        DocumentFactory(tenant=tenant_a, state=DocumentState.FAILED, extraction=None)  # undated: a to-do, no blocker
        codes = {b.code: b for b in calculation.blockers_for(q1, figures(q1).boxes, VatSettings.objects.first())}
    assert codes["documents_unresolved"].count == 1
    assert "hmrc_not_connected" in codes
    assert "period_not_ended" not in codes


def test_a_period_that_has_not_ended_is_blocked(tenant_a, owner_a, books_a):
    from tests.factories.filing import quarter

    with tenant_context(tenant_a):
        future = quarter(tenant_a, date(2099, 1, 1))
        codes = {b.code for b in calculation.blockers_for(future, VatBoxes(), VatSettings.objects.first())}
    assert "period_not_ended" in codes


def test_cash_accounting_is_blocked_with_a_reason(tenant_a, owner_a, books_a):
    with tenant_context(tenant_a):
        VatSettings.objects.update(scheme="cash")
        blockers = calculation.blockers_for(books_a[0], VatBoxes(), VatSettings.objects.first())
    assert any(b.code == "cash_scheme" and "payment dates" in b.message for b in blockers)


@pytest.mark.postgres
def test_a_journal_line_can_be_claimed_by_one_return_only(tenant_a, owner_a, books_a):
    from django.db import IntegrityError

    from apps.filing.models import VatReturnLine

    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
        vat_return = send_for_approval(
            obligation=q1, actor=owner_a, expected_fingerprint=fingerprint(figures(q1).boxes)
        )
        claimed = vat_return.lines.first()
        other = VatReturn.objects.create(
            tenant=tenant_a,
            obligation=q2,
            vrn=q2.vrn,
            period_key=q2.period_key,
            idempotency_key=VatReturn.key_for(q2.vrn, q2.period_key),
        )
        with pytest.raises(IntegrityError):
            VatReturnLine.objects.create(
                tenant=tenant_a, vat_return=other, journal_line_id=claimed.journal_line_id, box=claimed.box, amount=1
            )


def test_frozen_figures_are_the_claimed_lines_in_box_order(tenant_a, owner_a, books_a):
    q1 = books_a[0]
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
        purchase(date(2025, 3, 31), "50.00", "10.00", actor=owner_a)
        draft = figures(q1)
        send_for_approval(obligation=q1, actor=owner_a, expected_fingerprint=fingerprint(draft.boxes))
        frozen = figures(q1)
    assert frozen.frozen and not draft.frozen
    assert frozen.boxes == draft.boxes
    assert frozen.warnings == [] and frozen.adjustments == 0
    as_rows = lambda f: {b: [(li.pk, amount, adj) for li, amount, adj in rows] for b, rows in f.lines_by_box.items()}  # noqa: E731
    assert as_rows(frozen) == as_rows(draft)
    assert sorted(frozen.lines_by_box) == [1, 4, 6, 7]


def test_without_settings_a_return_starts_at_its_own_period(tenant_a, owner_a, books_a):
    q2 = books_a[1]
    with tenant_context(tenant_a):
        VatSettings.objects.all().delete()
        sale(date(2025, 3, 31), "100.00", "20.00", actor=owner_a)
        sale(date(2025, 4, 1), "10.00", "2.00", actor=owner_a)
        assert calculation.figures_for(q2, None, None).boxes.box1 == D("2.00")


def test_late_postings_are_bounded_by_the_first_period_and_the_last_frozen_day(tenant_a, owner_a, books_a):
    q1, q2, q3 = books_a
    with tenant_context(tenant_a):
        sale(date(2025, 1, 1), "10.00", "2.00", actor=owner_a)  # first day of the first period
        send_for_approval(obligation=q1, actor=owner_a, expected_fingerprint=fingerprint(figures(q1).boxes))
        sale(date(2025, 3, 31), "20.00", "4.00", actor=owner_a)  # last day of the frozen Q1: carried into Q2
        sale(date(2024, 12, 31), "999.00", "199.80", actor=owner_a)  # before the first period: never
        q2_figures = figures(q2)
        # Q3: Q2 is still open, so Q1's late sale goes to Q2 only; previews never count it twice.
        assert figures(q3).boxes.box1 == D("0.00")
    assert figures_q1_box1(tenant_a, q1) == D("2.00")
    assert q2_figures.boxes.box1 == D("4.00") and q2_figures.adjustments == 2


def figures_q1_box1(tenant, q1):
    with tenant_context(tenant):
        return figures(q1).boxes.box1


def test_another_vrns_frozen_return_does_not_close_this_vrns_periods(tenant_a, owner_a, books_a):
    from tests.factories.filing import VatObligationFactory, VatReturnFactory

    q1, q2, _ = books_a
    other = VatObligationFactory(tenant=tenant_a, vrn="987654311", period_key="25Z1", start=q1.start, end=q1.end)
    VatReturnFactory(tenant=tenant_a, obligation=other, status="awaiting_approval")
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "10.00", "2.00", actor=owner_a)  # in Q1, still open for this VRN
        assert figures(q2).boxes.box1 == D("0.00")


def test_once_every_earlier_return_is_frozen_the_next_open_one_takes_late_postings(tenant_a, owner_a, books_a):
    q1, q2, q3 = books_a
    with tenant_context(tenant_a):
        send_for_approval(obligation=q1, actor=owner_a, expected_fingerprint=fingerprint(figures(q1).boxes))
        send_for_approval(obligation=q2, actor=owner_a, expected_fingerprint=fingerprint(figures(q2).boxes))
        sale(date(2025, 2, 10), "30.00", "6.00", actor=owner_a)  # dated in Q1, posted after Q1 and Q2 froze
        late = figures(q3)
    assert late.boxes.box1 == D("6.00") and late.adjustments == 2


def test_periods_frozen_out_of_order_keep_each_line_with_its_own_period(tenant_a, owner_a, books_a):
    q1, q2, q3 = books_a
    with tenant_context(tenant_a):
        sale(date(2025, 5, 1), "50.00", "10.00", actor=owner_a)
        send_for_approval(obligation=q2, actor=owner_a, expected_fingerprint=fingerprint(figures(q2).boxes))
        sale(date(2025, 2, 1), "10.00", "2.00", actor=owner_a)  # Q1 is still open: it stays there
        sale(date(2025, 6, 1), "20.00", "4.00", actor=owner_a)  # Q2 is frozen: a late posting, for Q3
        assert figures(q1).boxes.box1 == D("2.00")
        q3_figures = figures(q3)
    assert q3_figures.boxes.box1 == D("4.00") and q3_figures.adjustments == 2


def test_a_control_account_with_a_treatment_is_still_not_a_purchase(tenant_a, owner_a, books_a):
    from apps.ledger.services.journal import LineSpec
    from apps.ledger.services.posting import post_manual_entry

    q1 = books_a[0]
    with tenant_context(tenant_a):
        post_manual_entry(
            entry_date=date(2025, 2, 1), description="Odd journal", actor=owner_a,
            lines=[LineSpec("610", debit=D("100.00"), vat_treatment="standard"), LineSpec("970", credit=D("100.00"))],
        )  # fmt: skip
        result = figures(q1)
    assert result.boxes.box7 == D("0") and result.obligation == q1


def test_frozen_lines_keep_date_order_and_count_their_adjustments(
    tenant_a, owner_a, books_a, django_assert_max_num_queries
):
    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        send_for_approval(obligation=q1, actor=owner_a, expected_fingerprint=fingerprint(figures(q1).boxes))
        sale(date(2025, 6, 20), "10.00", "2.00", actor=owner_a)
        sale(date(2025, 4, 5), "20.00", "4.00", actor=owner_a)  # posted later, dated earlier
        sale(date(2025, 3, 1), "30.00", "6.00", actor=owner_a)  # late posting into frozen Q1
        send_for_approval(obligation=q2, actor=owner_a, expected_fingerprint=fingerprint(figures(q2).boxes))
        # computing a frozen return's own period again still sees its own lines
        assert calculation.compute(q2, VatSettings.objects.first())[0].boxes.box1 == D("12.00")
        with django_assert_max_num_queries(3):
            frozen = figures(q2)
            shown = [(li.entry.date, li.account.code) for li, _, _ in frozen.lines_by_box[1]]
    assert frozen.obligation == q2 and frozen.adjustments == 2
    assert shown == [(date(2025, 3, 1), "821"), (date(2025, 4, 5), "821"), (date(2025, 6, 20), "821")]


def test_a_draft_reports_lines_left_out_for_want_of_a_treatment(tenant_a, owner_a, books_a):
    from apps.ledger.services.journal import LineSpec
    from apps.ledger.services.posting import post_manual_entry

    with tenant_context(tenant_a):
        post_manual_entry(
            entry_date=date(2025, 2, 1), description="Untreated", actor=owner_a,
            lines=[LineSpec("429", debit=D("10.00")), LineSpec("800", credit=D("10.00"))],
        )  # fmt: skip
        assert any("no VAT treatment" in w for w in figures(books_a[0]).warnings)


def _freeze(tenant, owner, obligation):
    send_for_approval(obligation=obligation, actor=owner, expected_fingerprint=fingerprint(figures(obligation).boxes))


def test_nothing_before_the_first_vat_period_is_ever_a_late_posting(tenant_a, owner_a, books_a):
    from tests.factories.filing import VatReturnFactory

    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        VatSettings.objects.update(first_period_start=date(2025, 4, 1))
        # Q1 cannot be frozen in Strongroom any more (it is before the first period); say it was, earlier.
        VatReturnFactory(tenant=tenant_a, obligation=q1, status="approved")
        sale(date(2025, 2, 1), "10.00", "2.00", actor=owner_a)
        assert figures(q2).boxes.box1 == D("0.00")


def test_a_late_posting_on_the_first_day_of_a_frozen_period_is_carried(tenant_a, owner_a, books_a):
    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        _freeze(tenant_a, owner_a, q1)
        sale(date(2025, 1, 1), "10.00", "2.00", actor=owner_a)
        assert figures(q2).boxes.box1 == D("2.00")


def test_a_draft_return_does_not_make_its_period_frozen(tenant_a, owner_a, books_a):
    from tests.factories.filing import VatReturnFactory

    q1, q2, _ = books_a
    VatReturnFactory(tenant=tenant_a, obligation=q1, status="draft")
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "10.00", "2.00", actor=owner_a)
        assert figures(q2).boxes.box1 == D("0.00")


def test_a_line_in_a_gap_between_periods_is_neither_crash_nor_late_posting(tenant_a, owner_a, books_a):
    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        VatSettings.objects.update(first_period_start=date(2024, 10, 1))  # no obligation covers Q4 2024
        _freeze(tenant_a, owner_a, q1)
        sale(date(2024, 11, 1), "10.00", "2.00", actor=owner_a)
        assert figures(q2).boxes.box1 == D("0.00")


def test_another_vrns_open_period_does_not_hold_back_this_vrns_late_postings(tenant_a, owner_a, books_a):
    from tests.factories.filing import VatObligationFactory

    q1, q2, q3 = books_a
    VatObligationFactory(tenant=tenant_a, vrn="987654311", period_key="25Z2", start=q2.start, end=q2.end)
    with tenant_context(tenant_a):
        _freeze(tenant_a, owner_a, q1)
        _freeze(tenant_a, owner_a, q2)
        sale(date(2025, 2, 1), "10.00", "2.00", actor=owner_a)
        assert figures(q3).boxes.box1 == D("2.00")
