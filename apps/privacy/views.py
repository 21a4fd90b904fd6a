"""Settings → Privacy: a member's own data export; the owner's business export and erasure request.

Erasure certificates are shown in the staff console: after an erasure the person or business no longer has
access here (the business is closed), so staff send the certificate (JSON download) to whoever asked.

Exports leave only through ``download``: a token issued here (hash kept), valid for hours, checked together
with who is asking (the person the export is about; for a business export, an owner).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.core.errors import ApplicationError
from apps.permissions import check
from apps.permissions.decorators import permission_required_for
from apps.privacy import selectors, store
from apps.privacy.models import PrivacyRequest
from apps.privacy.policies import policies
from apps.privacy.services.requests import issue_link, open_request, redeem_link

K, S = PrivacyRequest.Kind, PrivacyRequest.Subject


def _request_or_404(request: HttpRequest, raw: str | None) -> PrivacyRequest:
    """A request this person may act on in this business: their own (person) or, for an owner, the business's."""
    try:
        pk = uuid.UUID(str(raw))
    except ValueError:
        raise Http404("No such request.") from None
    found = PrivacyRequest.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("No such request.")
    if found.subject == S.PERSON and found.subject_user_id == request.user.pk:
        return found
    same_business = found.subject == S.BUSINESS and found.subject_tenant_id == request.tenant.pk
    if same_business and check(request.user, "privacy.manage_business_data", request.tenant):
        return found
    raise Http404("No such request.")


def _page(request: HttpRequest, *, link: str = "", status: int = 200) -> HttpResponse:
    tenant = request.tenant
    can_manage = check(request.user, "privacy.manage_business_data", tenant)
    context = {
        "own_requests": selectors.own_requests(request.user),
        "business_requests": selectors.requests_for_business(tenant) if can_manage else [],
        "can_manage": can_manage,
        "policies": policies(),
        "link": link,
    }
    return render(request, "privacy/privacy.html", context, status=status)


@require_GET
@permission_required_for("privacy.use_privacy_page")
def privacy_page(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    return _page(request)


@require_POST
@permission_required_for("privacy.use_privacy_page")
def request_own_export(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    try:
        open_request(kind=K.ACCESS, subject_user=request.user, requested_by=request.user)
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return _page(request, status=refused.status)
    messages.success(request, "Your data export is being prepared; this page shows its progress.")
    return redirect("privacy:page", tenant_slug=tenant_slug)


@require_POST
@permission_required_for("privacy.manage_business_data")
def request_business_export(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    try:
        open_request(kind=K.ACCESS, subject_tenant=request.tenant, requested_by=request.user)
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return _page(request, status=refused.status)
    messages.success(request, "The business export is being prepared; this page shows its progress.")
    return redirect("privacy:page", tenant_slug=tenant_slug)


@require_POST
@permission_required_for("privacy.manage_business_data")
def request_business_erasure(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """The owner asks; Strongroom staff carry it out (with a reason) after checking the export was taken."""
    try:
        open_request(
            kind=K.ERASURE,
            subject_tenant=request.tenant,
            requested_by=request.user,
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return _page(request, status=refused.status)
    messages.success(
        request, "Erasure requested. Strongroom will carry it out within one month and send a certificate."
    )
    return redirect("privacy:page", tenant_slug=tenant_slug)


@require_POST
@permission_required_for("privacy.use_privacy_page")
def issue_download_link(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    found = _request_or_404(request, request.POST.get("request_id"))
    try:
        token = issue_link(request=found, actor=request.user)
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return _page(request, status=refused.status)
    url = reverse("privacy:download", kwargs={"tenant_slug": tenant_slug})
    return _page(request, link=request.build_absolute_uri(f"{url}?r={found.pk}&token={token}"))


@require_GET
@permission_required_for("privacy.use_privacy_page")
def download(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    found = _request_or_404(request, request.GET.get("r"))
    try:
        redeem_link(request=found, token=request.GET.get("token", ""), actor=request.user)
        content = store.read_export(found.export_name)
    except ApplicationError as refused:
        raise Http404(refused.message) from None
    except FileNotFoundError:
        raise Http404("The export has been deleted.") from None
    return _attachment(content, f"strongroom-export-{found.pk}.zip", "application/zip")


@require_GET
@login_required
def certificate_download(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """An erasure certificate through the link staff sent to the person who asked (no business page is left)."""
    found = PrivacyRequest.objects.filter(pk=request_id, kind=K.ERASURE, requested_by=request.user).first()
    if found is None:
        raise Http404("No such certificate.")
    try:
        redeem_link(request=found, token=request.GET.get("token", ""), actor=request.user)
    except ApplicationError as refused:
        raise Http404(refused.message) from None
    return _attachment(
        found.certificate.body.encode(), f"erasure-certificate-{found.certificate.pk}.json", "application/json"
    )


def _attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
