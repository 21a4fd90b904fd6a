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
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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


_registry: dict[str, Check] = {}


def register(check: Check) -> Check:
    """Add (or, on a re-import, replace) a check. Ids are unique."""
    _registry[check.id] = check
    return check


def all_checks() -> list[Check]:
    return sorted(_registry.values(), key=lambda c: (c.area, c.id))


def get_check(check_id: str) -> Check:
    return _registry[check_id]


def run_check(check: Check, tenant: Tenant | None = None) -> CheckResult:
    """Compute one check; an exception becomes UNKNOWN (logged), never PASS and never a 500."""
    try:
        return check.compute(tenant)
    except Exception as exc:  # a broken check must not hide the others
        logger.exception("security check %s failed to compute", check.id)
        return CheckResult(Status.UNKNOWN, f"could not compute: {type(exc).__name__}")


def run_checks(tenant: Tenant | None = None) -> list[tuple[Check, CheckResult]]:
    """Every check for this scope: platform checks when ``tenant`` is None, tenant checks otherwise."""
    wanted = {Scope.BOTH, Scope.PLATFORM} if tenant is None else {Scope.BOTH, Scope.TENANT}
    return [(c, run_check(c, tenant)) for c in all_checks() if c.scope in wanted]
