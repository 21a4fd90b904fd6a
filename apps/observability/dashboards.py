"""The four Grafana dashboards' domain rows (the SLO row is common: grafana.slo_row)."""

from __future__ import annotations

from apps.observability import slos
from apps.observability.grafana import RATE, Domain, _p, _q, external, saturation, slos_queues, timeseries


def domains() -> list[Domain]:
    ingestion = Domain(
        "strongroom-ingestion",
        "Strongroom · Ingestion (documents and OCR)",
        ("ocr",),
        (
            "OcrLatencyBudgetBurn",
            "OcrMedianLatencyHigh",
            "OcrFailureSpike",
            "QueueAgeHigh",
            "DocumentStoreUnavailable",
            "DocumentsStuck",
        ),
    )
    ingestion.rows = [
        (
            "Rate, errors, duration",
            [
                (
                    timeseries(
                        "Documents processed by outcome",
                        [(_q("sum by (outcome) (rate(strongroom_documents_processed_total[RATE]))"), "{{outcome}}")],
                    ),
                    8,
                ),
                (
                    timeseries(
                        "Failed share and step failures",
                        [
                            (
                                _q(
                                    'sum(rate(strongroom_documents_processed_total{outcome="failed"}[RATE])) / '
                                    "sum(rate(strongroom_documents_processed_total[RATE]))"
                                ),
                                "failed share",
                            ),
                            (
                                _q("sum by (step, reason) (rate(strongroom_pipeline_step_failures_total[RATE]))"),
                                "{{step}} {{reason}}",
                            ),
                        ],
                    ),
                    8,
                ),
                (
                    timeseries(
                        "OCR duration",
                        [(_p(q, "strongroom_ocr_duration_seconds"), f"p{int(q * 100)}") for q in (0.5, 0.9, 0.99)],
                        unit="s",
                    ),
                    8,
                ),
                (
                    timeseries("Documents by state", [("sum by (state) (strongroom_documents_in_state)", "{{state}}")]),
                    12,
                ),
                (
                    timeseries(
                        "Task runtime p95 and failures",
                        [
                            (_p(0.95, "strongroom_task_runtime_seconds", "task"), "p95 {{task}}"),
                            (_q("sum by (task) (rate(strongroom_task_failures_total[RATE]))"), "failures {{task}}"),
                        ],
                    ),
                    12,
                ),
            ],
        ),
        ("Saturation", saturation(("ocr",))),
    ]
    filing = Domain(
        "strongroom-filing",
        "Strongroom · Filing (VAT returns to HMRC)",
        ("filing",),
        ("FilingSuccessBudgetBurn", "FilingBacklog", "FilingReturnStuck", "QueueAgeHigh"),
    )
    filing.rows = [
        (
            "Rate, errors, backlog",
            [
                (
                    timeseries(
                        "Submission attempts by outcome",
                        [(_q("sum by (outcome) (rate(strongroom_filing_submissions_total[RATE]))"), "{{outcome}}")],
                    ),
                    8,
                ),
                (
                    timeseries(
                        "Failed share (retryable, not connected)",
                        [
                            (
                                _q(
                                    "sum(rate(strongroom_filing_submissions_total"
                                    f'{{outcome!~"{slos.FILING_GOOD}"}}[RATE])) / '
                                    "sum(rate(strongroom_filing_submissions_total[RATE]))"
                                ),
                                "bad share",
                            )
                        ],
                        unit="percentunit",
                    ),
                    8,
                ),
                (
                    timeseries(
                        "Backlog: approved, not submitted",
                        [
                            ("max(strongroom_filing_backlog_returns)", "returns"),
                            ("max(strongroom_filing_backlog_oldest_age_seconds) / 60", "oldest (minutes)"),
                        ],
                    ),
                    8,
                ),
                (
                    timeseries(
                        "Stuck returns by state",
                        [
                            ("max by (state) (strongroom_filing_returns_stuck)", "{{state}}"),
                            (
                                "max by (state) (strongroom_filing_returns_stuck_oldest_age_seconds) / 60",
                                "oldest {{state}} (minutes)",
                            ),
                        ],
                    ),
                    8,
                ),
            ],
        ),
        ("Saturation", saturation(("filing",))),
        ("Dependencies", external("hmrc")),
    ]
    onboarding = Domain(
        "strongroom-onboarding", "Strongroom · Onboarding", ("onboarding",), ("OnboardingDurationBudgetBurn",)
    )
    onboarding.rows = [
        (
            "Rate and duration",
            [
                (
                    timeseries(
                        "Started and completed",
                        [
                            (_q("sum(rate(strongroom_onboarding_started_total[RATE]))"), "started"),
                            (_q("sum(rate(strongroom_onboarding_completed_total[RATE]))"), "completed"),
                        ],
                    ),
                    12,
                ),
                (
                    timeseries(
                        "Duration",
                        [(_p(q, "strongroom_onboarding_duration_seconds"), f"p{int(q * 100)}") for q in (0.5, 0.9)],
                        unit="s",
                    ),
                    12,
                ),
            ],
        ),
        ("Saturation", saturation(("integrations", "default"))),
        ("Dependencies", external("companies_house")),
    ]
    views = 'view!~"health:.*|prometheus-django-metrics"'
    platform = Domain(
        "strongroom-platform",
        "Strongroom · Platform (portal, workers, synthetics, audit)",
        ("portal", "synthetics"),
        (
            "PortalAvailabilityBudgetBurn",
            "PortalLatencyBudgetBurn",
            "SyntheticSuccessBudgetBurn",
            "SyntheticCheckFailing",
            "SyntheticCheckSilent",
            "SyntheticChecksAbsent",
            "WorkerDown",
            "AuditChainBroken",
            "AuditChainVerificationStale",
            "CircuitBreakerOpen",  # H1 (issue #17)
            "Watchdog",
            "OutboxItemOld",
            "OutboxParkedLong",
            "OutboxItemDead",
        ),
    )
    platform.rows = [
        (
            "Rate, errors, duration (portal and API)",
            [
                (
                    timeseries(
                        "Requests by view",
                        [
                            (
                                _q(
                                    "sum by (view) (rate(django_http_requests_latency_seconds_by_view_method_count"
                                    f"{{{views}}}[RATE]))"
                                ),
                                "{{view}}",
                            )
                        ],
                        unit="reqps",
                    ),
                    8,
                ),
                (
                    timeseries(
                        "5xx share",
                        [
                            (
                                _q(
                                    "sum(rate(django_http_responses_total_by_status_view_method_total"
                                    f'{{status=~"5..", {views}}}[RATE]))'
                                    " / sum(rate(django_http_responses_total_by_status_view_method_total"
                                    f"{{{views}}}[RATE]))"
                                ),
                                "5xx",
                            )
                        ],
                        unit="percentunit",
                    ),
                    8,
                ),
                (
                    timeseries(
                        "Latency",
                        [
                            (
                                f"histogram_quantile({q}, sum by (le) (rate("
                                f"django_http_requests_latency_seconds_by_view_method_bucket{{{views}}}[{RATE}])))",
                                f"p{int(q * 100)}",
                            )
                            for q in (0.5, 0.95, 0.99)
                        ],
                        unit="s",
                    ),
                    8,
                ),
                (
                    timeseries(
                        "Sign-in failures and audit events",
                        [
                            (_q("sum(rate(strongroom_login_failures_total[RATE]))"), "sign-in failures"),
                            (_q("sum(rate(strongroom_audit_events_written_total[RATE]))"), "audit events"),
                        ],
                    ),
                    12,
                ),
                (
                    timeseries(
                        "Synthetic checks",
                        [
                            ("max by (check) (strongroom_synthetic_check_success)", "{{check}}"),
                            ("max by (check) (strongroom_synthetic_check_duration_seconds)", "{{check}} seconds"),
                        ],
                    ),
                    12,
                ),
            ],
        ),
        ("Saturation", saturation(slos_queues())),
        ("Dependencies", external("bank_feed")),
        # Outbox (issue #17, decision 0017): work that must happen, by state, and how long the oldest has waited.
        (
            "Outbox",
            [
                (
                    timeseries(
                        "Items by state",
                        [("sum by (state) (max by (state, dependency) (strongroom_outbox_items))", "{{state}}")],
                    ),
                    12,
                ),
                (
                    timeseries(
                        "Oldest item by state (minutes)",
                        [("max by (state) (strongroom_outbox_oldest_age_seconds) / 60", "{{state}}")],
                    ),
                    12,
                ),
            ],
        ),
    ]
    return [ingestion, filing, onboarding, platform]
