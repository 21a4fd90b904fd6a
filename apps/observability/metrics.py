"""The application's own metrics, named ``strongroom_<domain>_<thing>_<unit>``.

Defined once here so that code, alert rules (deploy/prometheus) and dashboards
agree on the names; histogram buckets include every SLO threshold (6 s and
30 s for OCR). Updating a metric never raises: observability must not break
the work it observes.
"""

from __future__ import annotations

import contextlib

from prometheus_client import Counter, Histogram
from prometheus_client.registry import REGISTRY

OCR_DURATION = Histogram(
    "strongroom_ocr_duration_seconds",
    "Time to read one document (all pages: text layer or OCR, and extraction).",
    buckets=(0.5, 1, 2, 4, 6, 10, 20, 30, 60, 120),
)
DOCUMENTS_PROCESSED = Counter(
    "strongroom_documents_processed_total",
    "Documents that finished processing, by how they ended.",
    ["outcome"],
)
PIPELINE_STEP_FAILURES = Counter(
    "strongroom_pipeline_step_failures_total",
    "Pipeline steps that failed, by step and reason class.",
    ["step", "reason"],
)
TASK_RUNTIME = Histogram(
    "strongroom_task_runtime_seconds",
    "Celery task run time, by task.",
    ["task"],
    buckets=(0.1, 0.5, 1, 2, 4, 6, 10, 30, 60, 120, 300),
)
TASK_FAILURES = Counter("strongroom_task_failures_total", "Celery tasks that raised, by task.", ["task"])
AUDIT_EVENTS = Counter("strongroom_audit_events_written_total", "Audit events written.")
LOGIN_FAILURES = Counter("strongroom_login_failures_total", "Failed sign-in attempts.")
# Onboarding wizard (apps/onboarding); the SLO "onboarding under 10 minutes (p90)" needs the 600 s bucket.
ONBOARDING_STARTED = Counter("strongroom_onboarding_started_total", "Businesses that started the onboarding wizard.")
ONBOARDING_COMPLETED = Counter("strongroom_onboarding_completed_total", "Businesses that finished onboarding.")
ONBOARDING_DURATION = Histogram(
    "strongroom_onboarding_duration_seconds",
    "Time from sign-up (start of the wizard) to the business becoming active.",
    buckets=(60, 120, 180, 300, 420, 600, 900, 1200, 1800, 3600, 14400, 86400),
)
# Calls to HMRC, Companies House and the bank feed (apps/integrations/http.py). outcome is one of
# ok, rejected, unavailable, rate_limited, timeout, error; buckets reach the 30 s read timeout ceiling.
EXTERNAL_CALLS = Counter(
    "strongroom_external_calls_total",
    "Calls to external APIs, by client, operation and outcome.",
    ["client", "operation", "outcome"],
)
EXTERNAL_CALL_DURATION = Histogram(
    "strongroom_external_call_duration_seconds",
    "Time an external API call took (timeouts included), by client and operation.",
    ["client", "operation"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 15, 20, 30),
)
# Circuit breakers (apps/integrations/breakers.py): transitions are counted by the process that made them; the
# state gauge strongroom_circuit_breaker_state{breaker} (0 closed, 1 half-open, 2 open) is read from the shared
# store at scrape time (apps.monitors.collectors.BreakerStateCollector).
BREAKER_TRANSITIONS = Counter(
    "strongroom_circuit_breaker_transitions_total",
    "Circuit breaker state changes, by breaker and the state entered.",
    ["breaker", "state"],
)
BREAKER_STORE_FALLBACKS = Counter(
    "strongroom_circuit_breaker_store_fallbacks_total",
    "Times a process could not reach the breakers' Redis and used its in-memory breakers instead.",
)

# Filing (apps/filing/services/submission.py increments it): outcome is submitted, reconciled, rejected (the
# SLO's good events, slos.FILING_GOOD), retryable, not_connected or needs_person. The backlog and stuck-return
# gauges are computed at scrape time (apps.monitors.collectors: FilingBacklogCollector, FilingStuckCollector).
FILING_SUBMISSIONS = Counter(
    "strongroom_filing_submissions_total",
    "VAT return submission attempts, by outcome (submitted, reconciled, rejected, retryable, not_connected, "
    "needs_person).",
    ["outcome"],
)

# Scrape-time gauges: the queues in collectors.py; documents, filing and synthetics in apps.monitors.collectors.
from apps.observability.collectors import QUEUES, QueueCollector, scrape_time_collectors  # noqa: E402, F401

QueueDepthCollector = QueueCollector  # the earlier name


def register_collectors() -> None:
    for collector in scrape_time_collectors():
        with contextlib.suppress(ValueError):  # already registered (tests, autoreload)
            REGISTRY.register(collector)


def safely(update) -> None:
    """Run a metric update; a metric must never break the work it measures."""
    with contextlib.suppress(Exception):
        update()
