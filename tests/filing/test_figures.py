"""The VAT pages' SQL figures (decision 0034): late postings above the claimed journal number, the watermark kept
at its lowest over re-freezes, the drill-down a page at a time, and the pages' query counts independent of history.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.filing import calculation, figures
from apps.filing.domain import ReturnStatus
from apps.filing.models import VatReturn, VatSettings
from apps.filing.services.returns import fingerprint, return_to_draft, send_for_approval
from apps.ledger.selectors import last_journal_number
from apps.tenancy.context import tenant_context
from tests.filing.conftest import sale
from tests.helpers import commit_data_keys

pytestmark = pytest.mark.django_db
D = Decimal


def both(obligation):
    settings = VatSettings.objects.first()
    vat_return = VatReturn.objects.filter(obligation=obligation).first()
    return figures.period_figures(obligation, vat_return, settings), calculation.figures_for(
        obligation, vat_return, settings
    )


def freeze(obligation, actor):
    shown = figures.period_figures(obligation, None, VatSettings.objects.first()).boxes
    return send_for_approval(obligation=obligation, actor=actor, expected_fingerprint=fingerprint(shown))


def test_a_late_posting_is_found_above_the_frozen_periods_journal_number(tenant_a, owner_a, books_a):
    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
        frozen = freeze(q1, owner_a)
        assert frozen.claimed_through == last_journal_number() == 1
        sale(date(2025, 3, 15), "50.00", "10.00", actor=owner_a)  # late: dated in Q1, numbered 2
        sale(date(2025, 5, 1), "10.00", "2.00", actor=owner_a)
        sql, reference = both(q2)
        scope = figures.scope_for(q2, VatSettings.objects.first())
    assert [(r.first, r.last, r.above) for r in scope.late] == [(q1.start, q1.end, 1)]
    assert sql.boxes == reference.boxes and sql.boxes.box1 == D("12.00")
    assert sql.adjustments == reference.adjustments == 2
    assert sql.counts == {1: 2, 6: 2}


def test_the_watermark_stays_at_its_lowest_so_a_released_line_is_found_again(tenant_a, owner_a, books_a):
    """Q1 frozen; a late Q1 sale claimed by Q2; Q1 unfrozen and frozen again (now above that sale's number);
    Q2 back to draft releases the sale: it is a late posting again and must still be carried."""
    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
        freeze(q1, owner_a)
        sale(date(2025, 3, 15), "50.00", "10.00", actor=owner_a)  # late, journal 2
        q2_return = freeze(q2, owner_a)
        assert q2_return.boxes.box1 == D("10.00")
        return_to_draft(vat_return=VatReturn.objects.get(obligation=q1), actor=owner_a)
        sale(date(2025, 5, 2), "1.00", "0.20", actor=owner_a)  # journal 3: the counter moves on
        again = freeze(q1, owner_a)
        assert again.status == ReturnStatus.AWAITING_APPROVAL
        assert again.claimed_through == 1  # not 3: the lowest over its freezes
        return_to_draft(vat_return=q2_return, actor=owner_a)
        sql, reference = both(q2)
    assert sql.boxes == reference.boxes
    assert sql.boxes.box1 == D("10.20")  # the released late sale and Q2's own


def test_a_return_frozen_before_the_watermark_existed_scans_its_period_whole(tenant_a, owner_a, books_a):
    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
        freeze(q1, owner_a)
        sale(date(2025, 3, 15), "50.00", "10.00", actor=owner_a)
        VatReturn.objects.filter(obligation=q1).update(claimed_through=None)
        scope = figures.scope_for(q2, VatSettings.objects.first())
        sql, reference = both(q2)
    assert [r.above for r in scope.late] == [0]
    assert sql.boxes == reference.boxes and sql.boxes.box1 == D("10.00")


def test_the_drill_down_pages_join_up_to_the_whole_box(tenant_a, owner_a, books_a):
    q1 = books_a[0]
    with tenant_context(tenant_a):
        for day in range(1, 8):
            sale(date(2025, 1, day), f"{day}.00", "1.00", actor=owner_a)
        settings = VatSettings.objects.first()
        first = figures.box_page(q1, None, settings, 1, size=3)
        second = figures.box_page(q1, None, settings, 1, after=figures.Cursor.decode(first.next_cursor), size=3)
        third = figures.box_page(q1, None, settings, 1, after=figures.Cursor.decode(second.next_cursor), size=3)
    days = [line.entry.date.day for page in (first, second, third) for line, _, _ in page.rows]
    assert days == [1, 2, 3, 4, 5, 6, 7]
    assert third.next_cursor == ""


@pytest.mark.parametrize("bad", ["nonsense", "2025-13-01.1.0", "2025-01-01.x.0", "2025-01-01.1.-1", "1.2"])
def test_a_bad_drill_down_cursor_is_a_400(verified_client, tenant_a, owner_a, books_a, bad):
    q1 = books_a[0]
    url = reverse("filing:box", kwargs={"tenant_slug": tenant_a.slug, "period_key": q1.period_key, "box": 1})
    assert verified_client(owner_a).get(url, {"after": bad}).status_code == 400


def test_the_drill_down_page_links_to_the_next_page(verified_client, tenant_a, owner_a, books_a):
    q1 = books_a[0]
    with tenant_context(tenant_a):
        for day in range(1, 4):
            sale(date(2025, 1, day), "10.00", "2.00", actor=owner_a)
    client = verified_client(owner_a)
    url = reverse("filing:box", kwargs={"tenant_slug": tenant_a.slug, "period_key": q1.period_key, "box": 1})
    first = client.get(url)
    assert first.status_code == 200 and b"3 journal lines count in this box" in first.content
    assert b'rel="next"' not in first.content  # three lines fit on one page


def _queries(client, url) -> int:
    client.get(url)  # warm caches (sessions, keys) before counting
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_vat_pages_query_count_does_not_grow_with_the_ledger(
    verified_client, tenant_a, owner_a, books_a, django_capture_on_commit_callbacks
):
    q1 = books_a[0]
    client = verified_client(owner_a)
    commit_data_keys(tenant_a, django_capture_on_commit_callbacks)  # the sealed descriptions' key, cached as on commit
    slug = tenant_a.slug
    pages = [
        reverse("filing:home", kwargs={"tenant_slug": slug}),
        reverse("filing:period", kwargs={"tenant_slug": slug, "period_key": q1.period_key}),
        reverse("filing:box", kwargs={"tenant_slug": slug, "period_key": q1.period_key, "box": 1}),
    ]
    with tenant_context(tenant_a):
        sale(date(2025, 1, 2), "10.00", "2.00", actor=owner_a)
    few = [_queries(client, page) for page in pages]
    with tenant_context(tenant_a):
        for day in range(3, 28):
            sale(date(2025, 1, day), "10.00", "2.00", actor=owner_a)
            sale(date(2025, 4, day), "10.00", "2.00", actor=owner_a)
    many = [_queries(client, page) for page in pages]
    assert many == few


def test_the_backfill_gives_returns_frozen_before_a_watermark_below_their_first_unclaimed_line(
    tenant_a, owner_a, books_a
):
    import importlib
    from types import SimpleNamespace

    backfill = importlib.import_module("apps.filing.migrations.0008_return_claimed_through_backfill").backfill
    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)  # journal 1, claimed
        freeze(q1, owner_a)
        sale(date(2025, 3, 15), "50.00", "10.00", actor=owner_a)  # journal 2: late, unclaimed
        sale(date(2025, 5, 1), "10.00", "2.00", actor=owner_a)  # journal 3
        VatReturn.objects.filter(obligation=q1).update(claimed_through=None)
    backfill(None, SimpleNamespace(connection=connection))
    with tenant_context(tenant_a):
        assert VatReturn.objects.get(obligation=q1).claimed_through == 1
        sql, reference = both(q2)
    assert sql.boxes == reference.boxes and sql.boxes.box1 == D("12.00")
