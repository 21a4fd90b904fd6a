"""/staff/privacy/: access and erasure requests (queue, deadline), erasure with a reason, certificates, retention runs.

Opening a request and erasing need ``staff.handle_privacy_requests`` (security officer, platform admin);
reading the queue, the runs and the certificates (ids and counts only) needs the console.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.permissions import check
from apps.permissions.decorators import permission_required_for
from apps.privacy import selectors, store
from apps.privacy.models import ErasureCertificate, PrivacyRequest
from apps.privacy.policies import policies
from apps.privacy.services.erasure import erase_business, erase_person
from apps.privacy.services.requests import issue_link, open_request, redeem_link, require_reason
from apps.tenancy.models import Tenant

K, S = PrivacyRequest.Kind, PrivacyRequest.Subject


def _queue(request: HttpRequest, *, link: str = "", status: int = 200) -> HttpResponse:
    now = timezone.now()
    rows = [{"r": r, "overdue": r.is_open and r.due_at < now, "age_days": (now - r.created_at).days}
            for r in selectors.all_requests()]  # fmt: skip
    context = {"rows": rows, "can_handle": check(request.user, "staff.handle_privacy_requests"), "link": link}
    return render(request, "staff_console/privacy/requests.html", context, status=status)


@require_GET
@permission_required_for("staff.use_console")
def requests_queue(request: HttpRequest) -> HttpResponse:
    return _queue(request)


@require_POST
@permission_required_for("staff.handle_privacy_requests")
def open_for_subject(request: HttpRequest) -> HttpResponse:
    """Open a request for a person (by email) or a business (by its address name), e.g. from a support ticket."""
    kind = request.POST.get("kind", "")
    email, slug = request.POST.get("email", "").strip(), request.POST.get("business", "").strip()
    if kind not in K.values or bool(email) == bool(slug):
        messages.error(
            request, "Choose access or erasure, and give either a person's email or a business's address name."
        )
        return _queue(request, status=400)
    user = User.objects.filter(email__iexact=email).first() if email else None
    tenant = Tenant.objects.filter(slug=slug).first() if slug else None
    if user is None and tenant is None:
        messages.error(request, "No such person or business.")
        return _queue(request, status=404)
    try:
        open_request(kind=kind, subject_user=user, subject_tenant=tenant, requested_by=request.user,
                     reason=request.POST.get("reason", ""))  # fmt: skip
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return _queue(request, status=refused.status)
    messages.success(request, "Request opened.")
    return redirect("staff-privacy:requests")


@require_POST
@permission_required_for("staff.handle_privacy_requests")
def erase(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    found = get_object_or_404(PrivacyRequest, pk=request_id)
    try:
        reason = require_reason(request.POST.get("reason", ""))
        service = erase_person if found.subject == S.PERSON else erase_business
        certificate = service(request=found, actor=request.user, reason=reason)
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return _queue(request, status=refused.status)
    messages.success(request, "Erased. The certificate is below.")
    return redirect("staff-privacy:certificate", certificate_id=certificate.pk)


@require_POST
@permission_required_for("staff.handle_privacy_requests")
def link(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    found = get_object_or_404(PrivacyRequest, pk=request_id)
    try:
        token = issue_link(request=found, actor=request.user)
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return _queue(request, status=refused.status)
    if found.kind == K.ERASURE:  # for the person who asked: they no longer reach the business's pages
        url = reverse("privacy-certificates:download", kwargs={"request_id": found.pk})
    else:
        url = reverse("staff-privacy:download", kwargs={"request_id": found.pk})
    return _queue(request, link=request.build_absolute_uri(f"{url}?token={token}"))


@require_GET
@permission_required_for("staff.handle_privacy_requests")
def download(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    found = get_object_or_404(PrivacyRequest, pk=request_id)
    try:
        redeem_link(request=found, token=request.GET.get("token", ""), actor=request.user)
        content = store.read_export(found.export_name)
    except ApplicationError as refused:
        raise Http404(refused.message) from None
    except FileNotFoundError:
        raise Http404("The export has been deleted.") from None
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="strongroom-export-{found.pk}.zip"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@permission_required_for("staff.use_console")
def certificates(request: HttpRequest) -> HttpResponse:
    return render(request, "staff_console/privacy/certificates.html", {"certificates": selectors.certificates()})


@require_GET
@permission_required_for("staff.use_console")
def certificate(request: HttpRequest, certificate_id: uuid.UUID) -> HttpResponse:
    cert = get_object_or_404(ErasureCertificate.objects.select_related("request"), pk=certificate_id)
    if request.GET.get("download"):
        response = HttpResponse(cert.body.encode(), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="erasure-certificate-{cert.pk}.json"'
        return response
    return render(request, "staff_console/privacy/certificate.html", {"certificate": cert})


@require_GET
@permission_required_for("staff.use_console")
def retention_runs(request: HttpRequest) -> HttpResponse:
    categories = [p.category for p in policies()]
    runs = [{"run": run, "cells": [run.counts.get(c, {}) for c in categories]} for run in selectors.recent_runs()]
    context = {"runs": runs, "policies": policies()}
    return render(request, "staff_console/privacy/retention.html", context)
