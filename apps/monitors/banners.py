"""Degraded-dependency banners: a django-waffle switch per dependency, with a message for users.

The switch (``hmrc_degraded`` …) is the flag other code and templates can test
(``waffle.switch_is_active``); :class:`DegradedDependency` says why it is on, in words for
users, and who turned it on. Staff set and clear them at /staff/slo/; the synthetic monitors
set them after ``SYNTHETIC_DEGRADED_AFTER`` failures in a row and clear them on recovery, but
never clear one that staff set; the first real answer from the service clears an automatic one
(``apps.integrations.signals.dependency_answered``).

Circuit breakers (decision 0016) drive the banners of HMRC, Companies House and the bank feed:
a breaker opening sets the banner (source "breaker") unless one is on already; its closing
clears every automatic banner (breaker or synthetic) of that dependency, since closing means
the service answered. An automatic banner is never cleared while the breaker is not closed.
The transition is announced by the one process that made it (``breaker_state_changed``), and
``sync_breaker_banners`` (beat, every minute) repairs what a lost announcement left behind,
so no banner outlives the outage and none is missing during one.

Here in monitors, not observability, because every change is audited and the audit log sits
above observability; the rows stay observability's models (decision 0009).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.audit.services import record_event
from apps.integrations import breakers
from apps.observability.models import DegradedDependency, SyntheticRun


@dataclass(frozen=True)
class Dependency:
    key: str
    label: str
    default_message: str
    namespaces: tuple[str, ...]  # URL namespaces of the pages the banner shows on (plus the business home page)

    @property
    def switch(self) -> str:
        return f"{self.key}_degraded"


DEPENDENCIES: dict[str, Dependency] = {
    d.key: d
    for d in (
        Dependency(
            "hmrc",
            "HMRC",
            "HMRC is not answering; your return is saved and will be sent when it is back.",
            ("filing", "integrations", "onboarding"),
        ),
        Dependency(
            "companies_house",
            "Companies House",
            "Companies House is not answering; you can carry on, and company details will be checked when it is back.",
            ("onboarding", "integrations"),
        ),
        Dependency(
            "ocr",
            "Document reading",
            "Documents are being read more slowly than usual; your uploads are safe and will be processed.",
            ("documents",),
        ),
        Dependency(
            "bank_feed",
            "Bank feed",
            "Your bank feed is not answering; bank lines will sync when it is back, and everything else works.",
            ("ledger", "integrations"),
        ),
    )
}
ALWAYS_ON = ("tenancy:home",)  # view names that show every active banner


def _switch(dependency: Dependency, active: bool) -> None:
    from waffle.models import Switch

    switch, _ = Switch.objects.get_or_create(name=dependency.switch, defaults={"active": active})
    if switch.active != active:
        switch.active = active
        switch.save()  # waffle's save() flushes its cache


def set_degraded(key: str, *, message: str = "", source: str, user=None) -> DegradedDependency:
    """Turn the banner on (or change its message)."""
    dependency = DEPENDENCIES[key]
    message = (message or dependency.default_message).strip()[:300]
    with transaction.atomic():
        notice, _ = DegradedDependency.objects.update_or_create(
            dependency=key,
            defaults={"message": message, "source": source, "set_by": user, "set_at": timezone.now()},
        )
        _switch(dependency, True)
        record_event(
            "observability.degraded.set",
            actor=user,
            after={"dependency": key, "message": message, "source": source},
        )
    return notice


def clear_degraded(key: str, *, user=None, only_if_source: str | tuple[str, ...] | None = None) -> bool:
    """Turn the banner off; with ``only_if_source``, only when that source (one of them) turned it on.

    True if cleared.
    """
    dependency = DEPENDENCIES[key]
    sources = (only_if_source,) if isinstance(only_if_source, str) else only_if_source
    with transaction.atomic():
        notice = DegradedDependency.objects.select_for_update().filter(dependency=key).first()
        if notice is None or (sources and notice.source not in sources):
            return False
        notice.delete()
        _switch(dependency, False)
        record_event(
            "observability.degraded.cleared",
            actor=user,
            before={"dependency": key, "message": notice.message, "source": notice.source},
        )
    return True


def react_to_check(key: str, check: str, run: SyntheticRun) -> None:
    """Synthetic automation: N failures in a row set the banner; a success clears an automatic one."""
    if run.ok:
        if breaker_state(key) == "closed":  # an open breaker's banner stays until the breaker closes
            clear_degraded(key, only_if_source=DegradedDependency.Source.SYNTHETIC)
        return
    needed = max(1, settings.SYNTHETIC_DEGRADED_AFTER)
    recent = list(
        SyntheticRun.objects.filter(check_name=check, skipped=False)
        .order_by("-at")
        .values_list("ok", flat=True)[:needed]
    )
    if len(recent) == needed and not any(recent):
        existing = DegradedDependency.objects.filter(dependency=key).first()
        if existing is None:  # never overwrite what staff wrote
            set_degraded(key, source=DegradedDependency.Source.SYNTHETIC)


# External clients (apps/integrations) and the dependency whose banner their answers speak for.
CLIENT_DEPENDENCY = {
    "hmrc": "hmrc",
    "hmrc_oauth": "hmrc",
    "companies_house": "companies_house",
    "bank_feed": "bank_feed",
}


def dependency_answered(client: str, **kwargs) -> bool:
    """A real call to the dependency got an answer: an automatic banner about it goes (True if one did).

    Why: the synthetic checks run on a schedule (and not at all in the embedded
    mode, which has no beat), so a banner they set could outlive the outage by
    a long time; the first real answer is proof enough. A banner that staff set
    stays until staff clear it. Costs no query while the switch is off. Connected to the
    integrations' ``dependency_answered`` signal in ``MonitorsConfig.ready``.
    """
    from waffle import switch_is_active

    key = CLIENT_DEPENDENCY.get(client)
    if key is None or not switch_is_active(DEPENDENCIES[key].switch) or breaker_state(key) != "closed":
        return False
    return clear_degraded(key, only_if_source=DegradedDependency.Source.SYNTHETIC)


AUTOMATIC = (DegradedDependency.Source.BREAKER, DegradedDependency.Source.SYNTHETIC)


def breaker_state(key: str) -> str:
    """The dependency's breaker state ("closed" for a dependency without a breaker, e.g. OCR)."""
    return breakers.state(key) if key in breakers.KEYS else "closed"


def breaker_changed(key: str, new_state: str, **kwargs) -> None:
    """A breaker opened (banner on, unless one is) or closed (automatic banners off).

    Connected to ``breaker_state_changed`` in ``MonitorsConfig.ready``; sent inside the call that
    changed the state, so it must be quick and must not fail it (the sender logs what raises).
    """
    if key not in DEPENDENCIES:
        return
    with transaction.atomic():  # a savepoint: a failure here never spoils the caller's transaction
        if new_state == "open":
            if not DegradedDependency.objects.filter(dependency=key).exists():
                set_degraded(key, source=DegradedDependency.Source.BREAKER)
        elif new_state == "closed":
            clear_degraded(key, only_if_source=AUTOMATIC)


def sync_breaker_banners() -> dict[str, str]:
    """Make each breaker's banner match the shared breaker state; returns what changed, by dependency.

    Why a sweep as well as the listener: the process that opened or closed a breaker may die, or
    its transaction roll back, between the change and the banner; the state in Redis is the truth.
    """
    changed: dict[str, str] = {}
    for key in breakers.KEYS:
        state = breakers.state(key)
        notice = DegradedDependency.objects.filter(dependency=key).first()
        if state == "open" and notice is None:
            set_degraded(key, source=DegradedDependency.Source.BREAKER)
            changed[key] = "set"
        elif (
            state == "closed"
            and notice is not None
            and clear_degraded(key, only_if_source=DegradedDependency.Source.BREAKER)
        ):
            changed[key] = "cleared"
    return changed


AFFECTED_NAMESPACES = frozenset(ns for d in DEPENDENCIES.values() for ns in d.namespaces)


def _shows_on(dependency: Dependency, request: HttpRequest | None) -> bool:
    if request is None:
        return True
    match = getattr(request, "resolver_match", None)
    return match is not None and (match.view_name in ALWAYS_ON or match.namespace in dependency.namespaces)


def active_banners(request: HttpRequest | None = None) -> list[DegradedDependency]:
    """The banners for this page (all of them without a request): switch on, and the page is affected.

    The switches come from waffle's cache, so a page with no active banner costs no query.
    """
    from waffle import switch_is_active

    keys = [d.key for d in DEPENDENCIES.values() if _shows_on(d, request) and switch_is_active(d.switch)]
    if not keys:
        return []
    return list(DegradedDependency.objects.filter(dependency__in=keys).order_by("dependency"))


def context_processor(request: HttpRequest) -> dict:
    """``degraded_banners`` for the portal layout, on business pages only (never on staff or error pages)."""
    match = getattr(request, "resolver_match", None)
    if match is None or not (match.view_name in ALWAYS_ON or match.namespace in AFFECTED_NAMESPACES):
        return {"degraded_banners": []}
    try:
        return {"degraded_banners": active_banners(request)}
    except Exception:  # a banner must never break the page it decorates
        return {"degraded_banners": []}
