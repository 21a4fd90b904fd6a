"""What every wizard page shares: the permission check, the step gate, the progress indicator."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.onboarding.flow import can_open, first_incomplete, previous_step
from apps.onboarding.models import OnboardingProgress, Step
from apps.onboarding.selectors import progress_for, step_states
from apps.onboarding.services.progress import FINISHED_MESSAGE, start_onboarding
from apps.permissions.decorators import permission_required_for
from apps.tenancy.models import Tenant

STEP_URL_NAMES = {
    Step.BUSINESS: "onboarding:business",
    Step.IDENTIFIERS: "onboarding:identifiers",
    Step.KYC: "onboarding:kyc",
    Step.HMRC: "onboarding:hmrc",
    Step.VAT: "onboarding:vat",
    Step.TEAM: "onboarding:team",
    Step.DOCUMENTS: "onboarding:documents",
    Step.DONE: "onboarding:done",
}


def step_url(tenant_slug: str, step: str) -> str:
    return reverse(STEP_URL_NAMES[step], kwargs={"tenant_slug": tenant_slug})


def to_step(request: HttpRequest, step: str) -> HttpResponse:
    return redirect(step_url(request.tenant.slug, step))


ALREADY_ACTIVE = "This business is already set up."


def wizard_progress(request: HttpRequest) -> OnboardingProgress | None:
    """The progress row, started on first use; None for a business that is active without onboarding here.

    Businesses made active another way (seeded, created by staff) never
    start the wizard, so they add nothing to the onboarding-time SLO.
    """
    tenant = request.tenant
    if tenant.status != Tenant.Status.ONBOARDING:
        progress = progress_for(tenant)
        return progress if progress is not None and progress.is_finished else None
    return start_onboarding(tenant=tenant, actor=request.user)


def not_started(request: HttpRequest) -> HttpResponse:
    messages.info(request, ALREADY_ACTIVE)
    return redirect("tenancy:home", tenant_slug=request.tenant.slug)


def wizard_step(step: str) -> Callable:
    """Owners only (``onboarding.run_wizard``); the step must be reachable; a finished wizard shows its end page.

    The wrapped view receives the progress row as ``progress``.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @permission_required_for("onboarding.run_wizard")
        @wraps(view)
        def wrapper(request: HttpRequest, tenant_slug: str, *args, **kwargs) -> HttpResponse:
            progress = wizard_progress(request)
            if progress is None:
                return not_started(request)
            if progress.is_finished and step != Step.DONE:
                if request.method == "POST":
                    messages.info(request, FINISHED_MESSAGE)
                return to_step(request, Step.DONE)
            if not can_open(step, progress.completed_steps):
                resume = first_incomplete(progress.completed_steps)
                messages.info(request, f"Finish “{Step(resume).label}” first.")
                return to_step(request, resume)
            return view(request, tenant_slug, *args, progress=progress, **kwargs)

        return wrapper

    return decorate


def render_step(
    request: HttpRequest, progress: OnboardingProgress, step: str, context: dict | None = None, *, status: int = 200
) -> HttpResponse:
    back = previous_step(step)
    base = {
        "progress": progress,
        "steps": step_states(progress),
        "step": step,
        "step_label": Step(step).label,
        "back_url": step_url(request.tenant.slug, back) if back else None,
        "back_label": Step(back).label if back else "",
        "tenant": request.tenant,
    }
    return render(request, f"onboarding/{step}.html", {**base, **(context or {})}, status=status)


def after_step(request: HttpRequest, progress: OnboardingProgress, done_step: str) -> HttpResponse:
    """Where to go once a step is saved: the resume point (the next open step, or later ones kept)."""
    messages.success(request, f"{Step(done_step).label}: saved.")
    return to_step(request, first_incomplete(progress.completed_steps))
