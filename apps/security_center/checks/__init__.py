"""The security center's live checks: one registry, filled by the apps that own each figure.

Every figure the security center shows (staff console and each business's
page) and every item of the compliance checklist is a :class:`Check` whose
``compute`` runs against the live system when the page is rendered (or by the
beat job that records results). Nothing here is a tick box: a check that
cannot compute its figure returns ``UNKNOWN`` with the reason, never ``PASS``.

Apps lower in the layers than what they measure register their checks in
their ``AppConfig.ready`` (``register(Check(...))``), so the security center
never imports upward. Check ids are ``<area>.<name>``; agreed ids:

* ``secrets.backend``, ``secrets.age`` (secrets provider)
* ``encryption.keys``, ``encryption.rotation`` (KEK/DEK versions, last rotations)
* ``encryption.fields``, ``encryption.files`` (coverage: plain or old-version rows and files)
* ``privacy.retention``, ``privacy.requests`` (retention job results, erasure and access requests)
* ``access.two_factor``, ``access.reviews``, ``access.elevation``, ``access.privileged_actions``,
  ``access.failed_logins``, ``audit.chain``, ``backups.status``

A tenant check's ``compute`` is called inside ``tenant_context(tenant)`` (the
business page runs in its request's context; the beat job enters it), so it
may read tenant-scoped models directly.

Evidence: a check may point ``evidence_url`` at its own page, or register an
evidence provider (``register_evidence``) that returns the rows behind the
figure; the security center then serves them as a table and a CSV download
at its generic evidence pages (staff console and each business's).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction

if TYPE_CHECKING:
    from apps.tenancy.models import Tenant

logger = logging.getLogger(__name__)


class Status(enum.StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"  # the check could not compute its figure (says why in ``summary``)
    NOT_APPLICABLE = "n/a"


@dataclass(frozen=True)
class CheckResult:
    status: Status
    summary: str  # one line, with the figure: "412 of 412 documents encrypted (DEK v3)"
    figures: dict[str, Any] = field(default_factory=dict)  # numbers the page and metrics show
    evidence_url: str = ""  # a page (or download) holding the evidence behind the figure


class Scope(enum.StrEnum):
    PLATFORM = "platform"  # staff console only (tenant=None)
    TENANT = "tenant"  # each business's page (tenant given)
    BOTH = "both"


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    area: str  # "secrets", "encryption", "access", "audit", "privacy", "backups"
    scope: Scope
    compute: Callable[[Tenant | None], CheckResult]
    # Compliance mapping, e.g. ("SOC 2 CC6.1", "GDPR Art. 32(1)(a)").
    controls: tuple[str, ...] = ()


# Every id the security center's pages and checklist expect; one nobody registered shows as UNKNOWN.
EXPECTED_IDS: tuple[str, ...] = (
    "secrets.backend",
    "secrets.age",
    "encryption.keys",
    "encryption.rotation",
    "encryption.fields",
    "encryption.files",
    "privacy.retention",
    "privacy.requests",
    "access.two_factor",
    "access.reviews",
    "access.elevation",
    "access.privileged_actions",
    "access.failed_logins",
    "audit.chain",
    "backups.status",
)
NOT_REGISTERED = "not registered: no app provides this check yet"

# Worst first: how statuses combine (a compliance item, a summary) — FAIL beats UNKNOWN beats WARN beats PASS.
SEVERITY: dict[Status, int] = {
    Status.FAIL: 4,
    Status.UNKNOWN: 3,
    Status.WARN: 2,
    Status.PASS: 1,
    Status.NOT_APPLICABLE: 0,
}


def worst(statuses: list[Status]) -> Status:
    """The most severe status (N/A when there is none at all)."""
    return max(statuses, key=SEVERITY.__getitem__, default=Status.NOT_APPLICABLE)


@dataclass(frozen=True)
class Evidence:
    """The rows behind a check's figure: column headings and plain values (ids and counts, no secrets)."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    note: str = ""
    # Optional per-row links (same length as rows; "" for none), e.g. to the audit log filtered.
    links: list[str] = field(default_factory=list)


_registry: dict[str, Check] = {}
_evidence: dict[str, Callable[[Tenant | None], Evidence]] = {}


def register(check: Check) -> Check:
    """Add (or, on a re-import, replace) a check. Ids are unique."""
    _registry[check.id] = check
    return check


def register_evidence(check_id: str, provider: Callable[[Tenant | None], Evidence]) -> None:
    """Rows behind ``check_id``'s figure, served by the security center's evidence pages."""
    _evidence[check_id] = provider


def evidence_provider(check_id: str) -> Callable[[Tenant | None], Evidence] | None:
    return _evidence.get(check_id)


def is_registered(check_id: str) -> bool:
    return check_id in _registry


def in_scope(check: Check, tenant: Tenant | None) -> bool:
    """Platform checks when ``tenant`` is None, tenant checks otherwise (BOTH in either)."""
    wanted = {Scope.BOTH, Scope.PLATFORM} if tenant is None else {Scope.BOTH, Scope.TENANT}
    return check.scope in wanted


def all_checks() -> list[Check]:
    return sorted(_registry.values(), key=lambda c: (c.area, c.id))


def get_check(check_id: str) -> Check:
    return _registry[check_id]


def run_check(check: Check, tenant: Tenant | None = None) -> CheckResult:
    """Compute one check; an exception becomes UNKNOWN (logged), never PASS and never a 500."""
    try:
        with transaction.atomic():  # a savepoint: a failed query must not poison the page's transaction
            return check.compute(tenant)
    except Exception as exc:  # a broken check must not hide the others
        logger.exception("security check %s failed to compute", check.id)
        return CheckResult(Status.UNKNOWN, f"could not compute: {type(exc).__name__}")


def run_checks(tenant: Tenant | None = None) -> list[tuple[Check, CheckResult]]:
    """Every check for this scope: platform checks when ``tenant`` is None, tenant checks otherwise."""
    return [(c, run_check(c, tenant)) for c in all_checks() if in_scope(c, tenant)]
