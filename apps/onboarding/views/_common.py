"""What every wizard page shares: the owner check, the step gate, the progress indicator."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.onboarding.flow import can_open, first_incomplete, previous_step
from apps.onboarding.models import OnboardingProgress, Step
from apps.onboarding.permissions import NOT_OWNER_MESSAGE, can_run_onboarding
from apps.onboarding.selectors import step_states
from apps.onboarding.services.progress import FINISHED_MESSAGE, start_onboarding

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


def not_owner(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/403.html", {"message": NOT_OWNER_MESSAGE}, status=403)


def wizard_step(step: str) -> Callable:
    """Owners only; the step must be reachable (earlier steps done); a finished wizard shows its end page.

    The wrapped view receives the progress row as ``progress``.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, tenant_slug: str, *args, **kwargs) -> HttpResponse:
            if not can_run_onboarding(request.membership):
                return not_owner(request)
            progress = start_onboarding(tenant=request.tenant, actor=request.user)
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
