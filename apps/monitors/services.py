"""Running the synthetic checks on demand (the staff console's button)."""

from __future__ import annotations

from django.conf import settings

from apps.monitors.synthetic import CHECKS, ensure_synthetic_tenant, run_all
from apps.monitors.tasks import synthetic_check


def run_checks_now() -> list[str] | None:
    """Queue every check for the workers (None), or, in the embedded mode, run them here: the failing names."""
    if settings.CELERY_BROKER_URL:
        for check in CHECKS:
            synthetic_check.apply_async(kwargs={"check": check}, expires=55)
        return None
    ensure_synthetic_tenant()
    return [r.check_name for r in run_all() if not r.ok and not r.skipped]
