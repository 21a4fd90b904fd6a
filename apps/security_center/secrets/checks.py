"""The security center's secrets checks: ``secrets.backend`` and ``secrets.age``. Figures only, never a value."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings

from apps.security_center.checks import Check, CheckResult, Scope, Status, register
from apps.security_center.secrets import get_provider
from apps.security_center.secrets.base import KNOWN_SECRETS, SecretError

CONTROLS = ("SOC 2 CC6.1", "GDPR Art. 32(1)")
SECURE_BACKENDS = {"vault", "aws"}


def backend_check(tenant=None) -> CheckResult:
    """Which backend holds the secrets, and whether it answers now."""
    provider = get_provider()
    backend = provider.backend
    figures = {"backend": backend.kind, "where": backend.describe(), "ttl_seconds": provider.ttl}
    try:
        present = set(backend.names())
    except SecretError as exc:
        return CheckResult(Status.FAIL, f"{backend.kind} backend unreachable: {exc.message}", figures)
    figures["secrets"] = len(present)
    missing = [n for n in KNOWN_SECRETS if n not in present and n != "database_password"]
    figures["missing"] = missing
    if missing and backend.kind != "env":
        return CheckResult(Status.WARN, f"{backend.describe()}: missing {', '.join(missing)}", figures)
    if backend.kind in SECURE_BACKENDS:
        return CheckResult(Status.PASS, f"{backend.describe()} ({len(present)} secrets)", figures)
    if settings.IS_PRODUCTION:
        return CheckResult(
            Status.WARN, f"{backend.describe()}: no rotation without a restart; use Vault or AWS", figures
        )
    return CheckResult(Status.PASS, f"{backend.describe()} ({len(present)} secrets, embedded default)", figures)


def max_age_days(name: str) -> int:
    return int(settings.SECRETS_MAX_AGE_DAYS_BY_NAME.get(name, settings.SECRETS_MAX_AGE_DAYS))


def age_check(tenant=None, *, now: datetime | None = None) -> CheckResult:
    """Every stored secret's age against its maximum: WARN when overdue, FAIL past twice the maximum."""
    provider = get_provider()
    now = now or datetime.now(UTC)
    try:
        names = [n for n in provider.backend.names() if n in KNOWN_SECRETS] or []
        records = [provider.record(n) for n in names]
    except SecretError as exc:
        return CheckResult(Status.UNKNOWN, f"ages unknown: {exc.message}")
    ages, overdue, failed, unknown = {}, [], [], []
    for record in records:
        if record.rotated_at is None:
            unknown.append(record.name)
            continue
        days = (now - record.rotated_at).total_seconds() / 86400
        ages[record.name] = round(days, 1)
        limit = max_age_days(record.name)
        if days > 2 * limit:
            failed.append(record.name)
        elif days > limit:
            overdue.append(record.name)
    figures = {"age_days": ages, "overdue": overdue + failed, "unknown": unknown}
    if not ages:
        return CheckResult(Status.UNKNOWN, f"the {provider.backend.kind} backend records no rotation times", figures)
    oldest = max(ages, key=ages.get)
    summary = f"{len(ages)} secrets; oldest {oldest} {ages[oldest]:.0f} days (max {max_age_days(oldest)})"
    if failed:
        return CheckResult(Status.FAIL, f"{summary}; far overdue: {', '.join(failed)}", figures)
    if overdue:
        return CheckResult(Status.WARN, f"{summary}; overdue: {', '.join(overdue)}", figures)
    if unknown:
        return CheckResult(Status.WARN, f"{summary}; age unknown: {', '.join(unknown)}", figures)
    return CheckResult(Status.PASS, summary, figures)


def register_checks() -> None:
    register(Check("secrets.backend", "Secrets backend", "secrets", Scope.PLATFORM, backend_check, CONTROLS))
    register(Check("secrets.age", "Age of secrets", "secrets", Scope.PLATFORM, age_check, CONTROLS))
