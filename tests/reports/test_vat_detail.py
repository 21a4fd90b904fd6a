"""VAT detail agrees with the return: a draft's lines now, a frozen return's claimed lines after approval."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.filing import calculation
from apps.filing.figures import period_figures
from apps.filing.models import VatSettings
from apps.filing.services.returns import fingerprint, send_for_approval
from apps.reports.vat_detail import detail_rows, vat_detail
from apps.tenancy.context import tenant_context
from tests.factories.books import WORKED_EXAMPLE_BOXES, sale

pytestmark = pytest.mark.django_db


def test_a_drafts_detail_is_the_worked_example(tenant_with_books):
    tenant, q1 = tenant_with_books.tenant, tenant_with_books.q1
    with tenant_context(tenant):
        settings = VatSettings.objects.first()
        detail = vat_detail(q1, None, settings)
        rows = list(detail_rows(q1, None, settings))
        sql = period_figures(q1, None, settings)
    assert detail.boxes() == WORKED_EXAMPLE_BOXES == sql.boxes
    assert {t.box: t.lines for t in detail.totals} == {b: sql.counts.get(b, 0) for b in (1, 4, 6, 7)}
    assert len(rows) == sum(t.lines for t in detail.totals)
    assert not detail.frozen and not any(r.late for r in rows)


def test_a_frozen_returns_detail_is_its_claimed_lines_and_ignores_later_postings(tenant_with_books):
    tenant, q1, owner = tenant_with_books.tenant, tenant_with_books.q1, tenant_with_books.owner
    with tenant_context(tenant):
        settings = VatSettings.objects.first()
        boxes = calculation.figures_for(q1, None, settings).boxes
        vat_return = send_for_approval(obligation=q1, actor=owner, expected_fingerprint=fingerprint(boxes))
        sale(date(2025, 3, 30), "100.00", "20.00", actor=owner)  # lands in Q2's return as a late posting
        detail = vat_detail(q1, vat_return, settings)
        rows = list(detail_rows(q1, vat_return, settings))
        q2 = tenant_with_books.periods[1]
        later = vat_detail(q2, None, settings)
        late_rows = list(detail_rows(q2, None, settings))
        claimed = vat_return.lines.count()
    assert detail.frozen and detail.boxes() == vat_return.boxes == WORKED_EXAMPLE_BOXES
    assert len(rows) == claimed
    assert later.boxes().box1 == Decimal("20.00") and all(r.late for r in late_rows)


def test_the_page_shows_each_box_with_a_link_to_its_lines(viewer_client, tenant_with_books):
    tenant, q1 = tenant_with_books.tenant, tenant_with_books.q1
    response = viewer_client.get(reverse("reports:vat-detail", args=[tenant.slug, q1.period_key]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-box="1">£2,050.00' in body and 'data-box="5">£1,250.00' in body and 'data-box="6">£14,500' in body
    assert reverse("filing:box", args=[tenant.slug, q1.period_key, 7]) in body
    assert viewer_client.get(reverse("reports:vat-detail", args=[tenant.slug, "ZZZZ"])).status_code == 404


def test_small_chunks_give_the_same_rows(tenant_with_books):
    """The keyset between chunks neither repeats nor skips a line (boxes hold 1 to 4 lines here)."""
    tenant, q1 = tenant_with_books.tenant, tenant_with_books.q1
    with tenant_context(tenant):
        settings = VatSettings.objects.first()
        whole = list(detail_rows(q1, None, settings))
        chunked = list(detail_rows(q1, None, settings, chunk=1))
    assert chunked == whole and len(whole) == 10
