"""Wizard steps 1 to 4: business details, identifiers, the Companies House check, connecting HMRC.

Every POST that saves redirects (so a reload does not post again); a form
with errors is shown again with a 400, and the tenant middleware rolls the
request back, so nothing half-saved remains.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.onboarding import external
from apps.onboarding.errors import OnboardingError
from apps.onboarding.flow import first_incomplete
from apps.onboarding.forms import BusinessDetailsForm, IdentifiersForm, StaffReviewRequestForm
from apps.onboarding.models import KycStatus, OnboardingProgress, Step
from apps.onboarding.services import kyc as kyc_services
from apps.onboarding.services import progress as services
from apps.onboarding.views._common import (
    after_step,
    not_started,
    render_step,
    step_url,
    to_step,
    wizard_progress,
    wizard_step,
)
from apps.permissions.decorators import permission_required_for


@require_GET
@permission_required_for("onboarding.run_wizard")
def wizard_home(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """The wizard's address: resume where the owner left off."""
    progress = wizard_progress(request)
    if progress is None:
        return not_started(request)
    return to_step(request, Step.DONE if progress.is_finished else first_incomplete(progress.completed_steps))


def _refused(
    request: HttpRequest, progress: OnboardingProgress, step: str, error: Exception, **context
) -> HttpResponse:
    messages.error(request, str(error))
    return render_step(request, progress, step, context, status=400)


@require_http_methods(["GET", "POST"])
@wizard_step(Step.BUSINESS)
def business(request: HttpRequest, tenant_slug: str, progress: OnboardingProgress) -> HttpResponse:
    if request.method == "GET":
        form = BusinessDetailsForm(initial=progress.step_data(Step.BUSINESS) or {"legal_name": request.tenant.name})
        return render_step(request, progress, Step.BUSINESS, {"form": form})
    form = BusinessDetailsForm(request.POST)
    if not form.is_valid():
        return render_step(request, progress, Step.BUSINESS, {"form": form}, status=400)
    try:
        progress = services.save_business_details(tenant=request.tenant, actor=request.user, details=form.cleaned_data)
    except OnboardingError as exc:
        return _refused(request, progress, Step.BUSINESS, exc, form=form)
    return after_step(request, progress, Step.BUSINESS)


@require_http_methods(["GET", "POST"])
@wizard_step(Step.IDENTIFIERS)
def identifiers(request: HttpRequest, tenant_slug: str, progress: OnboardingProgress) -> HttpResponse:
    if request.method == "GET":
        tenant = request.tenant
        initial = {"vat_number": tenant.vat_number_display, "company_number": tenant.company_number}
        return render_step(request, progress, Step.IDENTIFIERS, {"form": IdentifiersForm(initial=initial)})
    form = IdentifiersForm(request.POST)
    if not form.is_valid():
        return render_step(request, progress, Step.IDENTIFIERS, {"form": form}, status=400)
    try:
        progress = services.save_identifiers(
            tenant=request.tenant, actor=request.user, vat_number=form.cleaned_data["vat_number"],
            company_number=form.cleaned_data["company_number"],
        )  # fmt: skip
    except OnboardingError as exc:
        return _refused(request, progress, Step.IDENTIFIERS, exc, form=form)
    return after_step(request, progress, Step.IDENTIFIERS)


def _kyc_context(progress: OnboardingProgress, review_form: StaffReviewRequestForm | None = None) -> dict:
    return {
        "review_form": review_form or StaffReviewRequestForm(),
        "can_request_review": progress.kyc_status in kyc_services.REVIEWABLE,
        "declared_name": progress.step_data(Step.BUSINESS).get("legal_name", ""),
        "can_continue": progress.is_completed(Step.KYC),
        "next_url": None,
    }


@require_GET
@wizard_step(Step.KYC)
def kyc(request: HttpRequest, tenant_slug: str, progress: OnboardingProgress) -> HttpResponse:
    context = _kyc_context(progress)
    if progress.is_completed(Step.KYC):
        context["next_url"] = step_url(tenant_slug, first_incomplete(progress.completed_steps))
    return render_step(request, progress, Step.KYC, context)


@require_POST
@wizard_step(Step.KYC)
def kyc_check(request: HttpRequest, tenant_slug: str, progress: OnboardingProgress) -> HttpResponse:
    """Run (or retry) the check. Every outcome is saved, so this always redirects to the step page."""
    try:
        progress = kyc_services.run_kyc_check(tenant=request.tenant, actor=request.user)
    except OnboardingError as exc:
        return _refused(request, progress, Step.KYC, exc, **_kyc_context(progress))
    if progress.kyc_status == KycStatus.PASSED:
        return after_step(request, progress, Step.KYC)
    return to_step(request, Step.KYC)


@require_POST
@wizard_step(Step.KYC)
def kyc_review(request: HttpRequest, tenant_slug: str, progress: OnboardingProgress) -> HttpResponse:
    form = StaffReviewRequestForm(request.POST)
    if not form.is_valid():
        return render_step(request, progress, Step.KYC, _kyc_context(progress, form), status=400)
    try:
        progress = kyc_services.request_staff_review(
            tenant=request.tenant, actor=request.user, note=form.cleaned_data["note"]
        )
    except OnboardingError as exc:
        return _refused(request, progress, Step.KYC, exc, **_kyc_context(progress, form))
    messages.success(
        request,
        "Sent to Strongroom staff. You can carry on setting up; you can finish once they have confirmed your business.",
    )
    return to_step(request, first_incomplete(progress.completed_steps))


def _hmrc_context(request: HttpRequest, progress: OnboardingProgress) -> dict:
    connection = external.hmrc_connection(request.tenant)
    connect_url = external.hmrc_connect_url(request.tenant.slug)
    here = step_url(request.tenant.slug, Step.HMRC)
    return {
        "connection": connection,
        "connected": connection is not None and getattr(connection, "status", "") == "connected",
        "connect_action": f"{connect_url}?{urlencode({'next': here})}" if connect_url else None,
    }


@require_GET
@wizard_step(Step.HMRC)
def hmrc(request: HttpRequest, tenant_slug: str, progress: OnboardingProgress) -> HttpResponse:
    return render_step(request, progress, Step.HMRC, _hmrc_context(request, progress))


@require_POST
@wizard_step(Step.HMRC)
def hmrc_continue(request: HttpRequest, tenant_slug: str, progress: OnboardingProgress) -> HttpResponse:
    try:
        progress = services.complete_hmrc_step(
            tenant=request.tenant, actor=request.user, connected=external.hmrc_connected(request.tenant)
        )
    except OnboardingError as exc:
        return _refused(request, progress, Step.HMRC, exc, **_hmrc_context(request, progress))
    return after_step(request, progress, Step.HMRC)
