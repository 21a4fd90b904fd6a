"""/staff/onboarding/: the Companies House checks owners sent for review, and the decision on each.

Namespace "onboarding-staff": "reviews" lists, "review-decide" decides. The list shows
only what the decision needs (names, company number, Companies House's
answer, the owner's note); the decision is audited in the business's own
chain and the platform chain.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.onboarding.errors import OnboardingError
from apps.onboarding.selectors import reviews_waiting
from apps.onboarding.services.kyc import decide_staff_review
from apps.staff_console.forms import ReviewDecisionForm
from apps.tenancy.models import Tenant


def _queue(request: HttpRequest, *, status: int = 200, form: ReviewDecisionForm | None = None,
           failed_tenant: uuid.UUID | None = None) -> HttpResponse:  # fmt: skip
    context = {"reviews": reviews_waiting(), "form": form or ReviewDecisionForm(), "failed_tenant": failed_tenant}
    return render(request, "staff_console/onboarding/reviews.html", context, status=status)


@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    return _queue(request)


@require_POST
def decide_review(request: HttpRequest, tenant_id: uuid.UUID) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=tenant_id)
    form = ReviewDecisionForm(request.POST)
    if not form.is_valid():
        return _queue(request, status=400, form=form, failed_tenant=tenant.pk)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        decide_staff_review(tenant=tenant, staff_user=request.user, approve=approve, note=form.cleaned_data["note"])
    except OnboardingError as exc:
        messages.error(request, f"{tenant.name}: {exc}")
        return _queue(request, status=400, form=form, failed_tenant=tenant.pk)
    messages.success(request, f"{tenant.name}: check {'approved' if approve else 'rejected'}.")
    return redirect("onboarding-staff:reviews")
