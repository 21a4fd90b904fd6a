"""bench_scale's page discovery and table (the timing itself is ``make bench-scale``: figures, never a test)."""

from __future__ import annotations

import pytest
from django.http import StreamingHttpResponse

from apps.devtools.scale.bench import Row, Timing, extrapolated, measure, table
from apps.devtools.scale.pages import Page, pages, selected

VALUES = {"tenant_slug": "acme", "document_id": "d", "period_key": "25A1", "box": "7", "code": "800",
          "entry_id": "e", "tenant_id": "t", "elevation_id": "x"}  # fmt: skip


def test_every_page_the_issue_names_is_found_in_the_urlconf_and_actions_are_left_out():
    found, left = pages(VALUES)
    paths = {p.path for p in found}
    for path in ("/metrics", "/staff/slo/", "/t/acme/filing/", "/t/acme/filing/25A1/", "/t/acme/filing/25A1/box/7/",
                 "/t/acme/ledger/accounts/800/", "/t/acme/documents/", "/t/acme/ledger/bank/"):  # fmt: skip
        assert path in paths, path
    assert not any(p.endswith(("/approve/", "/upload/", "/reverse/", "/file/")) for p in paths)
    assert all(p.staff == p.path.startswith(("/staff/", "/metrics")) for p in found)
    assert "staff/slo/chaos/<int:run_id>/" in left  # no seeded chaos run: said, not hidden


def test_the_table_marks_slow_big_and_growing_pages_and_extrapolates_on_a_line():
    page = Page("t/<slug:tenant_slug>/documents/", "/t/acme/documents/", staff=False)
    row = Row(page, small=Timing(200, [10.0] * 30, bytes=1024, queries=15),
              big=Timing(200, [100.0] * 29 + [300.0], bytes=200 * 1024, queries=16))  # fmt: skip
    assert row.flags == "p95 size queries grow"
    assert extrapolated(row, small_docs=1_000, big_docs=10_000, target=50_000) == 500.0
    export = Row(Page("t/<slug:tenant_slug>/reports/ledger.zip", "/t/acme/reports/ledger.zip", staff=False),
                 small=row.small, big=row.big)  # fmt: skip
    assert export.is_export and export.flags == "whole-history export"  # grows with the history by nature
    text = table([row], small_docs=1_000, big_docs=10_000)
    assert "| `t/<slug:tenant_slug>/documents/` | 100.0 | 100.0 | 200.0 | 16 | 10.0 | 15 | 10.00× | 500 |" in text


def test_pages_picks_the_named_routes_or_paths_by_shell_pattern():
    found, _ = pages(VALUES)
    assert selected(found, []) == found
    picked = {p.route for p in selected(found, ["metrics", "/staff/slo/", "staff/filing/*"])}
    assert {"metrics", "staff/slo/", "staff/filing/", "staff/filing/tenants/<uuid:tenant_id>/"} <= picked
    assert not any(r.startswith("t/") or r == "staff/" for r in picked)
    assert {p.path for p in selected(found, ["/t/acme/filing/25A1/"])} == {"/t/acme/filing/25A1/"}
    assert selected(found, ["no/such/page/"]) == []


@pytest.mark.django_db
def test_a_streamed_page_is_read_whole_inside_the_timing():
    """The ledger zip streams: its body is made while read, so the timing reads it (it used to crash the run)."""

    class Streaming:
        def get(self, path):
            return StreamingHttpResponse(iter([b"PK", b"zip"]))

    timing = measure(Streaming(), "/t/acme/reports/ledger.zip", repeats=2)
    assert (timing.status, len(timing.ms), timing.bytes) == (200, 2, 5)


def test_the_aged_report_is_timed_as_payables():
    found, _ = pages({**VALUES, "kind": "payables"})
    assert "/t/acme/reports/aged/payables/" in {p.path for p in found}
