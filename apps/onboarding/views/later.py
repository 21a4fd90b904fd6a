"""Wizard steps 5 to 7 and the end: VAT scheme, team invitations, first document, finishing."""

from __future__ import annotations

import contextlib
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import ApplicationError
from apps.integrations.hmrc.initiator import BrowserFactsMissing, UserInitiated, user_initiated
from apps.onboarding.errors import OnboardingError
from apps.onboarding.forms import TeamInviteForm, VatSchemeForm
from apps.onboarding.models import OnboardingProgress, Step
from apps.onboarding.services import later_steps
from apps.onboarding.services import progress as services
from apps.onboarding.views._common import after_step, render_step, to_step, wizard_step
from apps.tenancy.selectors import pending_invitations


@require_http_methods(["GET", "POST"])
@wizard_step(Step.VAT)
def vat(request: HttpRequest, tenant_slug: str, progress: OnboardingProgress) -> HttpResponse:
    if request.method == "GET":
        saved = progress.step_data(Step.VAT)
        initial = {k: saved[k] for k in ("scheme", "stagger", "first_period_start", "four_eyes") if k in saved}
        if "first_period_start" in initial:
            initial["first_period_start"] = date.fromisoformat(initial["first_period_start"])
        return render_step(request, progress, Step.VAT, {"form": VatSchemeForm(initial=initial or None)})
    form = VatSchemeForm(request.POST)
    if not form.is_valid():
        return render_step(request, progress, Step.VAT, {"form": form}, status=400)
    try:
        outcome = later_steps.save_vat_step(
            tenant=request.tenant, actor=request.user, initiator=_hmrc_initiator(request), **form.cleaned_data
        )
    except OnboardingError as exc:
        messages.error(request, str(exc))
        return render_step(request, progress, Step.VAT, {"form": form}, status=400)
    if outcome.warning:
        messages.warning(request, outcome.warning)
    elif outcome.obligations is not None:
        messages.info(request, f"HMRC sent {outcome.obligations} VAT period{'s' if outcome.obligations != 1 else ''}.")
    return after_step(request, outcome.progress, Step.VAT)


def _hmrc_initiator(request: HttpRequest) -> UserInitiated | None:
    """The person's device facts for HMRC's headers, or None when the browser sent none (the step says so)."""
    try:
        return user_initiated(request)
    except BrowserFactsMissing:
        return None


def _team_context(form: TeamInviteForm | None = None) -> dict:
    return {"form": form or TeamInviteForm(), "invitations": list(pending_invitations())}


@require_GET
@wizard_step(Step.TEAM)
def team(request: HttpRequest, tenant_slug: str, progress: OnboardingProgress) -> HttpResponse:
    return render_step(request, progress, Step.TEAM, _team_context())


@require_POST
@wizard_step(Step.TEAM)
def team_invite(request: HttpRequest, tenant_slug: str, progress: OnboardingProgress) -> HttpResponse:
    form = TeamInviteForm(request.POST)
    if not form.is_valid():
        return render_step(request, progress, Step.TEAM, _team_context(form), status=400)
    tenant = request.tenant
    try:
        invitation, token = later_steps.invite_team_member(
            tenant=tenant, actor=request.user, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
        )
    except OnboardingError as exc:
        form.add_error("email", str(exc))
        return render_step(request, progress, Step.TEAM, _team_context(form), status=400)
    link = request.build_absolute_uri(reverse("invitations:accept", kwargs={"tenant_id": tenant.pk, "token": token}))
    subject = f"You're invited to {tenant.name} on Strongroom"
    body = (f"{request.user.get_full_name()} invited you to join {tenant.name} as {invitation.get_role_display()}."
            f"\n\nAccept: {link}\n\nThe link works for {settings.INVITATION_VALID_DAYS} days.")  # fmt: skip
    # Only once the invitation has committed: a rolled-back request sends nothing.
    transaction.on_commit(lambda: send_mail(subject, body, None, [invitation.email]))
    messages.success(request, f"Invitation sent to {invitation.email}. Invite someone else, or continue.")
    return to_step(request, Step.TEAM)


@require_POST
@wizard_step(Step.TEAM)
def team_continue(request: HttpRequest, tenant_slug: str, progress: OnboardingProgress) -> HttpResponse:
    progress = later_steps.finish_team_step(tenant=request.tenant, actor=request.user)
    return after_step(request, progress, Step.TEAM)


def _documents_context() -> dict:
    return {"max_mb": settings.DOCUMENT_MAX_BYTES // 1_000_000, "max_pages": settings.DOCUMENT_MAX_PAGES}


@require_GET
@wizard_step(Step.DOCUMENTS)
def documents(request: HttpRequest, tenant_slug: str, progress: OnboardingProgress) -> HttpResponse:
    return render_step(request, progress, Step.DOCUMENTS, _documents_context())


@require_POST
@wizard_step(Step.DOCUMENTS)
def documents_upload(request: HttpRequest, tenant_slug: str, progress: OnboardingProgress) -> HttpResponse:
    """The documents upload entry point checks every limit; this page only shows the outcome."""
    try:
        batch = later_steps.upload_first_documents(
            tenant=request.tenant, actor=request.user, uploads=request.FILES.getlist("files")
        )
    except ApplicationError as exc:  # no file, too many, or the step is not open: the step again with why
        messages.error(request, exc.message)
        return render_step(request, progress, Step.DOCUMENTS, _documents_context(), status=exc.status)
    for message in batch.refusal_messages():
        messages.error(request, message)
    if not batch.stored:
        return render_step(request, progress, Step.DOCUMENTS, _documents_context(), status=batch.status)
    if batch.duplicates:
        names = ", ".join(o.document.original_filename for o in batch.duplicates)
        messages.info(request, f"Already uploaded before: {names}.")
    if batch.accepted:
        names = ", ".join(o.document.original_filename for o in batch.accepted)
        messages.success(request, f"Received {names}: it is being read now.")
    return _finish_or_done(request)


@require_POST
@wizard_step(Step.DOCUMENTS)
def documents_skip(request: HttpRequest, tenant_slug: str, progress: OnboardingProgress) -> HttpResponse:
    later_steps.skip_documents_step(tenant=request.tenant, actor=request.user)
    messages.info(request, "You can upload documents any time from the Documents page.")
    return _finish_or_done(request)


def _finish_or_done(request: HttpRequest) -> HttpResponse:
    """The last step is done: finish straight away when nothing blocks it, else show what does."""
    with contextlib.suppress(OnboardingError):  # the end page lists the blockers
        services.complete_onboarding(tenant=request.tenant, actor=request.user)
    return to_step(request, Step.DONE)


@require_GET
@wizard_step(Step.DONE)
def done(request: HttpRequest, tenant_slug: str, progress: OnboardingProgress) -> HttpResponse:
    return render_step(request, progress, Step.DONE, {"blockers": services.completion_blockers(progress)})


@require_POST
@wizard_step(Step.DONE)
def finish(request: HttpRequest, tenant_slug: str, progress: OnboardingProgress) -> HttpResponse:
    try:
        services.complete_onboarding(tenant=request.tenant, actor=request.user)
    except OnboardingError as exc:
        messages.error(request, str(exc))
        return render_step(request, progress, Step.DONE, {"blockers": services.completion_blockers(progress)},
                           status=400)  # fmt: skip
    messages.success(request, f"{request.tenant.name} is set up.")
    return to_step(request, Step.DONE)
