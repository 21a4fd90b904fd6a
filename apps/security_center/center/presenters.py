"""The security center page's figures, for the staff console (platform) and each business (decision 0027)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apps.security_center.center import compliance, selectors
from apps.security_center.checks import (
    EXPECTED_IDS,
    NOT_REGISTERED,
    CheckResult,
    Evidence,
    Status,
    evidence_provider,
    get_check,
    in_scope,
    is_registered,
    run_checks,
)
from apps.security_center.models import CheckRecord

if TYPE_CHECKING:
    from apps.tenancy.models import Tenant


@dataclass(frozen=True)
class Row:
    check_id: str
    title: str
    area: str
    result: CheckResult
    controls: tuple[str, ...]
    history: tuple[CheckRecord, ...] = ()
    businesses: tuple[tuple[str, int], ...] = ()  # staff page: (status, businesses) in the last run

    @property
    def status(self) -> str:
        return str(self.result.status)


def _expected_but_missing() -> list[str]:
    """Agreed ids nobody registered (shown as UNKNOWN on both pages); one registered out of scope is not missing."""
    return [cid for cid in EXPECTED_IDS if not is_registered(cid)]


def page(tenant: Tenant | None) -> dict[str, Any]:
    """Every check in scope, computed now, with its recent history and the checklist built from the same results."""
    pairs = run_checks(tenant)
    past = selectors.history(tenant.pk if tenant is not None else None)
    run = selectors.last_run()
    spread = selectors.across_businesses(run) if tenant is None else {}
    rows = [
        Row(
            check.id,
            check.title,
            check.area,
            result,
            check.controls,
            tuple(past.get(check.id, ())),
            tuple(sorted(spread.get(check.id, {}).items())),
        )
        for check, result in pairs
    ]
    for check_id in _expected_but_missing():
        rows.append(Row(check_id, check_id, check_id.split(".")[0], CheckResult(Status.UNKNOWN, NOT_REGISTERED), ()))
    rows.sort(key=lambda r: (r.area, r.check_id))
    counts = Counter(row.status for row in rows)
    return {
        "rows": rows,
        "counts": sorted(counts.items()),
        "checklist": compliance.checklist(pairs),
        "last_run": run,
        "last_verification": selectors.last_verification(),
        "platform": tenant is None,
    }


class UnknownEvidence(LookupError):
    """No such check, not in this scope, or it serves its evidence elsewhere."""


def evidence(check_id: str, tenant: Tenant | None) -> tuple[str, Evidence]:
    """The check's title and the rows behind its figure in this scope."""
    if not is_registered(check_id):
        raise UnknownEvidence(check_id)
    check = get_check(check_id)
    provider = evidence_provider(check_id)
    if provider is None or not in_scope(check, tenant):
        raise UnknownEvidence(check_id)
    return check.title, provider(tenant)
