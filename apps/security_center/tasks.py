"""Beat tasks of the security center (decision 0027): thin, each calls one service."""

from __future__ import annotations

from celery import shared_task

from apps.security_center.center.services import record_check_run, verify_and_record_chains


@shared_task(name="maintenance.run_security_checks")
def run_security_checks() -> int:
    """Run every check (platform and each business) and record the results; returns the run's id."""
    return record_check_run(trigger="beat").pk


@shared_task(name="maintenance.verify_audit_chains")
def verify_audit_chains() -> bool:
    """Verify every audit chain and record the outcome; returns whether all are intact."""
    return verify_and_record_chains(trigger="beat").ok
