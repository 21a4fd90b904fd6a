"""The SLO dashboard's OCR SLIs from stored counters: the trigger keeps the tally exact, and the read is one
query however many businesses and runs there are (issue #18: the per-run read grew with tenants; decision 0038)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.documents.models import TaskRun
from apps.monitors import sli
from apps.observability import slos
from apps.observability.models import TaskRunTally
from apps.observability.selectors import task_run_buckets
from apps.tenancy.context import tenant_context
from tests.factories import TaskRunFactory, TenantFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
OCR = sli.OCR_TASK


def tallied(since) -> tuple[int, int, int]:
    buckets = task_run_buckets(OCR, since)
    return sum(b.total for b in buckets), sum(b.within_6s for b in buckets), sum(b.within_30s for b in buckets)


def read_one_by_one(since) -> tuple[int, int, int]:
    """The truth, the slow way: every run through the per-tenant definer function."""
    runs = sli.task_run_durations(OCR, since)
    return len(runs), sum(s <= 6 for _, s in runs), sum(s <= 30 for _, s in runs)


def finished_run(tenant, *, seconds: float, ago: timedelta, state: str = "succeeded") -> TaskRun:
    now = timezone.now()
    with tenant_context(tenant):
        return TaskRunFactory(
            tenant=tenant, task_name=OCR, state=state,
            started_at=now - ago - timedelta(seconds=seconds), finished_at=now - ago,
        )  # fmt: skip


def test_the_tally_follows_finishes_moves_and_deletes_in_every_tenant():
    since = timezone.now() - timedelta(days=30)
    tenants = [TenantFactory() for _ in range(3)]
    for i, tenant in enumerate(tenants):
        finished_run(tenant, seconds=2, ago=timedelta(hours=i + 1))
        finished_run(tenant, seconds=12, ago=timedelta(days=i + 1), state="failed")
        finished_run(tenant, seconds=45, ago=timedelta(minutes=30))
        with tenant_context(tenant):
            TaskRunFactory(tenant=tenant, task_name=OCR, state="started", started_at=timezone.now())  # not finished
    assert tallied(since) == read_one_by_one(since) == (9, 3, 6)
    with tenant_context(tenants[0]):
        now = timezone.now()
        TaskRun.objects.filter(state="started").update(state="succeeded", finished_at=now)  # finishing counts it
        TaskRun.objects.filter(state="failed").delete()
    assert tallied(since) == read_one_by_one(since) == (9, 4, 6)
    with tenant_context(tenants[1]):
        TaskRun.objects.filter(state="succeeded").update(state="lost")  # a run no longer finished leaves it
    assert tallied(since) == read_one_by_one(since) == (7, 3, 5)


def test_a_rolled_back_finish_leaves_the_tally_as_it_was():
    tenant = TenantFactory()
    before = tallied(timezone.now() - timedelta(days=1))
    with pytest.raises(RuntimeError), transaction.atomic():
        finished_run(tenant, seconds=1, ago=timedelta(minutes=1))
        raise RuntimeError("the worker's transaction failed after the run was marked done")
    assert tallied(timezone.now() - timedelta(days=1)) == before


def test_the_ocr_slis_from_the_tally_match_the_runs_and_the_read_does_not_grow():
    now = timezone.now()

    def reports_and_queries():
        with CaptureQueriesContext(connection) as ctx:
            found = {r.slo.id: (r.good, r.total) for r in sli.reports(now=now) if r.slo.service == "ocr"}
        return found, len(ctx)

    tenant = TenantFactory()
    finished_run(tenant, seconds=3, ago=timedelta(days=2))
    found, one = reports_and_queries()
    assert found == {"ocr-latency-median": (1, 1), "ocr-latency-p99": (1, 1)}
    for k in range(12):
        other = TenantFactory()
        for j in range(3):
            finished_run(other, seconds=(4, 8, 40)[j], ago=timedelta(days=k + 1, minutes=j))
    found, many = reports_and_queries()
    assert found == {"ocr-latency-median": (13, 37), "ocr-latency-p99": (25, 37)}
    assert many == one


def test_the_tally_counts_the_ocr_slos_thresholds():
    thresholds = {float(s.sli.good.split('le="')[1].split('"')[0]) for s in slos.SLOS if s.service == "ocr"}
    assert thresholds == set(TaskRunTally.LATENCY_BOUNDS)
    for bound in TaskRunTally.LATENCY_BOUNDS:
        assert hasattr(TaskRunTally, f"within_{bound:.0f}s")
