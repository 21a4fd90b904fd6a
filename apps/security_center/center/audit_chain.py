"""``audit.chain``: the status and age of the last verification of every audit chain (decision 0027).

The page never verifies (that reads every event); it reads the last recorded
verification, written by ``manage.py verify_audit_chain`` and the hourly beat job.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from apps.security_center.center.links import evidence_url
from apps.security_center.checks import Check, CheckResult, Evidence, Scope, Status
from apps.security_center.models import ChainVerification

if TYPE_CHECKING:
    from apps.tenancy.models import Tenant


def _age_hours(verification: ChainVerification) -> float:
    return (timezone.now() - verification.verified_at).total_seconds() / 3600


def chain_status(tenant: Tenant | None) -> CheckResult:
    last = ChainVerification.objects.order_by("-verified_at").first()
    url = evidence_url("audit.chain", tenant)
    if last is None:
        return CheckResult(Status.UNKNOWN, "The audit chain has never been verified", {}, url)
    broken = last.broken_chains if tenant is None else [c for c in last.broken_chains if c == str(tenant.pk)]
    age = _age_hours(last)
    figures = {"age_hours": round(age, 1), "broken_chains": len(broken), "chains": last.chains, "events": last.events}
    when = f"last verified {age:.1f} h ago"
    if broken:
        return CheckResult(Status.FAIL, f"{len(broken)} chain(s) BROKEN ({when})", figures, url)
    if age > settings.AUDIT_CHAIN_MAX_AGE_HOURS:
        limit = settings.AUDIT_CHAIN_MAX_AGE_HOURS
        return CheckResult(Status.WARN, f"Intact, but {when} (over {limit} h)", figures, url)
    return CheckResult(Status.PASS, f"Intact ({when})", figures, url)


def chain_evidence(tenant: Tenant | None) -> Evidence:
    since = timezone.now() - timedelta(days=7)
    rows = []
    for v in ChainVerification.objects.filter(verified_at__gte=since).order_by("-verified_at")[:200]:
        mine = v.broken_chains if tenant is None else [c for c in v.broken_chains if c == str(tenant.pk)]
        problem = v.first_problem if tenant is None else ("this business's chain is broken" if mine else "")
        rows.append((v.verified_at.isoformat(timespec="seconds"), v.trigger, "broken" if mine else "intact", problem))
    return Evidence(("Verified", "By", "Result", "First problem"), rows, "Verifications of the last 7 days.")


AUDIT_CHECK = Check(
    "audit.chain", "Audit log hash chain", "audit", Scope.BOTH, chain_status, ("SOC 2 CC7.2", "GDPR Art. 5(1)(f)")
)
