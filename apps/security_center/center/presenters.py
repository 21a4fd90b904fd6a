"""The security center page's figures, for the staff console (platform) and each business (decision 0027)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apps.security_center.center import compliance, selectors
from apps.security_center.checks import (
    EXPECTED_IDS,
    NOT_REGISTERED,
    Check,
    CheckResult,
    Evidence,
    Status,
    all_checks,
    evidence_provider,
    get_check,
    in_scope,
    is_registered,
)
from apps.security_center.models import CheckRecord, CheckRun

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


NEVER_RUN = "not recorded yet: no run of the checks has finished (the hourly job, or the button, records one)"
NOT_IN_RUN = "not in the last recorded run (registered since): the next run records it"


def recorded_results(tenant: Tenant | None) -> tuple[CheckRun | None, list[tuple[Check, CheckResult]]]:
    """Every check in scope with its result from the last recorded run: the page never runs a check (0037).

    A check the run did not record (none yet, or registered since) is UNKNOWN
    and says why: nothing turns into PASS by default (decision 0027).
    """
    run = selectors.last_run_for(tenant.pk if tenant is not None else None)
    records = selectors.records_of(run, tenant.pk if tenant is not None else None)
    pairs = []
    for check in all_checks():
        if not in_scope(check, tenant):
            continue
        record = records.get(check.id)
        if record is None:
            result = CheckResult(Status.UNKNOWN, NEVER_RUN if run is None else NOT_IN_RUN)
        else:
            result = CheckResult(Status(record.status), record.summary, record.figures, record.evidence_url)
        pairs.append((check, result))
    return run, pairs


def page(tenant: Tenant | None) -> dict[str, Any]:
    """Every check in scope as the last recorded run left it, its recent history, its age and the checklist."""
    run, pairs = recorded_results(tenant)
    past = selectors.history(tenant.pk if tenant is not None else None)
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
