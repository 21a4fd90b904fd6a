"""Reads about onboarding: one tenant's progress, the SLO's durations, the staff review queue.

``onboarding_durations`` and ``reviews_waiting`` read across tenants. The
progress table is tenant-scoped with row-level security, so they enter each
candidate tenant's context in turn (tenants are found through the tenant
table, which is not scoped), reading only what the SLO or the queue needs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from apps.onboarding.flow import can_open, first_incomplete
from apps.onboarding.models import STEP_ORDER, KycStatus, OnboardingProgress, Step
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant


def progress_for(tenant: Tenant) -> OnboardingProgress | None:
    """Inside the tenant's context."""
    return OnboardingProgress.objects.filter(tenant=tenant).first()


@dataclass(frozen=True)
class StepState:
    step: str
    label: str
    number: int
    state: str  # "done", "current" (the resume point), "open" (revisitable) or "locked"
    skipped: bool = False


def step_states(progress: OnboardingProgress) -> list[StepState]:
    """The progress indicator: every step with whether it is done, the resume point, or locked."""
    resume = first_incomplete(progress.completed_steps)
    states = []
    for number, step in enumerate(STEP_ORDER, start=1):
        if step == Step.DONE:
            state = "done" if progress.is_finished else ("current" if resume == Step.DONE else "locked")
        elif progress.is_completed(step):
            state = "done"
        elif step == resume:
            state = "current"
        else:
            state = "open" if can_open(step, progress.completed_steps) else "locked"
        skipped = bool(progress.step_data(step).get("skipped"))
        states.append(StepState(step=step, label=Step(step).label, number=number, state=state, skipped=skipped))
    return states


def onboarding_completions(since: datetime) -> list[tuple[datetime, timedelta]]:
    """(finished at, how long it took) of each business that finished onboarding at or after ``since``.

    One query on PostgreSQL (the definer function of migration 0005 visits the tenants touched since then),
    however many businesses there are; elsewhere (SQLite, no row-level security) one query over the table.
    A tenant finishing sets its ``updated_at`` to the same moment, so only tenants touched since are read.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT started_at, completed_at FROM strongroom_onboarding_completions(%s)", [since])
            rows = cursor.fetchall()
    else:
        from django_scopes import scopes_disabled

        with scopes_disabled():
            rows = list(
                OnboardingProgress.objects.filter(completed_at__gte=since, tenant__updated_at__gte=since).values_list(
                    "started_at", "completed_at"
                )
            )
    return sorted((completed, completed - started) for started, completed in rows)


def onboarding_durations(since: datetime) -> list[timedelta]:
    """How long each business took from sign-up to active, for those that finished at or after ``since``.

    The SLO "onboarding under 10 minutes (p90)" is computed from these.
    """
    return [duration for _, duration in onboarding_completions(since)]


@dataclass(frozen=True)
class ReviewRequest:
    tenant_id: uuid.UUID
    tenant_name: str
    tenant_slug: str
    company_number: str
    declared_name: str
    companies_house_name: str
    companies_house_status: str
    reasons: tuple[str, ...]
    note: str
    requested_at: datetime
    requested_by: str
    attempts: int


def reviews_waiting() -> list[ReviewRequest]:
    """Businesses whose owner sent the Companies House check for staff review, oldest first."""
    waiting: list[ReviewRequest] = []
    for tenant in Tenant.objects.filter(status=Tenant.Status.ONBOARDING).order_by("created_at"):
        with tenant_context(tenant):
            progress = (
                OnboardingProgress.objects.filter(tenant=tenant, kyc_status=KycStatus.STAFF_REVIEW)
                .select_related("review_requested_by")
                .first()
            )
            # The note and reasons are sealed with the tenant's data key: they open only inside this context.
            note = progress.review_note if progress is not None else ""
            reasons = tuple(progress.kyc_reasons) if progress is not None else ()
        if progress is None:
            continue
        profile = progress.kyc_profile or {}
        waiting.append(
            ReviewRequest(
                tenant_id=tenant.pk,
                tenant_name=tenant.name,
                tenant_slug=tenant.slug,
                company_number=tenant.company_number,
                declared_name=progress.kyc_name_checked,
                companies_house_name=profile.get("company_name") or "",
                companies_house_status=profile.get("company_status") or "",
                reasons=reasons,
                note=note,
                requested_at=progress.review_requested_at,
                requested_by=progress.review_requested_by.email if progress.review_requested_by else "",
                attempts=progress.kyc_attempts,
            )
        )
    waiting.sort(key=lambda r: r.requested_at)
    return waiting
