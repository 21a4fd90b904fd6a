"""Opening privacy requests and issuing their time-limited download links."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.services import record_event
from apps.outbox.services import enqueue
from apps.privacy.errors import ExportLinkInvalid, ReasonRequired, RequestAlreadyOpen, RequestNotActionable
from apps.privacy.models import ErasureCertificate, PrivacyRequest
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

K, S, ST = PrivacyRequest.Kind, PrivacyRequest.Subject, PrivacyRequest.Status


def _chain_of(request: PrivacyRequest):
    return request.subject_tenant_id if request.subject == S.BUSINESS else None


def record_in_chain(action: str, *, tenant_id=None, **fields) -> None:
    """Record an event in the business's chain (inside its context: RLS admits an insert there only) or the
    platform chain."""
    if tenant_id is None:
        record_event(action, **fields)
        return
    with tenant_context(tenant_id):
        record_event(action, tenant_id=tenant_id, **fields)


def open_request(*, kind: str, subject_user=None, subject_tenant: Tenant | None = None, requested_by, reason: str = ""):
    """Record a request (one open per kind and subject); an access request starts its export in the background."""
    if (subject_user is None) == (subject_tenant is None):
        raise ValueError("a request is about exactly one person or one business")
    subject = S.PERSON if subject_user is not None else S.BUSINESS
    reason = reason.strip()[:300]
    with transaction.atomic():
        open_ = PrivacyRequest.objects.select_for_update().filter(
            kind=kind, subject=subject, status__in=[ST.OPEN, ST.RUNNING]
        )
        open_ = open_.filter(subject_user=subject_user) if subject_user else open_.filter(subject_tenant=subject_tenant)
        if open_.exists():
            raise RequestAlreadyOpen()
        request = PrivacyRequest.objects.create(
            kind=kind,
            subject=subject,
            subject_user=subject_user,
            subject_tenant=subject_tenant,
            requested_by=requested_by,
            reason=reason,
            due_at=timezone.now() + timedelta(days=settings.PRIVACY_REQUEST_DEADLINE_DAYS),
        )
        record_in_chain(
            f"privacy.{kind}_request.opened",
            actor=requested_by,
            tenant_id=_chain_of(request),
            target=request,
            after={"subject": subject, "subject_user_id": str(subject_user.pk) if subject_user else None},
        )
        if kind == K.ACCESS:
            enqueue(
                "maintenance.privacy_build_export",
                key=f"privacy-export:{request.pk}",
                kwargs={"request_id": str(request.pk)},
            )
    return request


def downloadable(request: PrivacyRequest) -> bool:
    """An access request's export once built (until deleted); an erasure request's certificate once issued."""
    if request.kind == K.ACCESS:
        return request.status == ST.READY and bool(request.export_name)
    return request.status == ST.DONE and ErasureCertificate.objects.filter(request=request).exists()


def issue_link(*, request: PrivacyRequest, actor) -> str:
    """A fresh download token (only its hash is kept), valid PRIVACY_EXPORT_LINK_HOURS; the old link stops working.

    For an erasure, the link is to its certificate: the person or owner who asked no longer has access to the
    business's pages, so staff send them this link.
    """
    if not downloadable(request):
        raise RequestNotActionable("There is nothing to download yet: the export is not ready (or was deleted).")
    token = secrets.token_urlsafe(32)
    request.link_token_hash = hashlib.sha256(token.encode()).hexdigest()
    request.link_expires_at = timezone.now() + timedelta(hours=settings.PRIVACY_EXPORT_LINK_HOURS)
    request.save(update_fields=["link_token_hash", "link_expires_at"])
    record_in_chain("privacy.export.link_issued", actor=actor, tenant_id=_chain_of(request), target=request)
    return token


def redeem_link(*, request: PrivacyRequest, token: str, actor) -> PrivacyRequest:
    """Check a download token; refuses expired, replaced or wrong tokens the same way."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    if (
        not downloadable(request)
        or not request.link_token_hash
        or not secrets.compare_digest(digest, request.link_token_hash)
        or request.link_expires_at is None
        or request.link_expires_at <= timezone.now()
    ):
        raise ExportLinkInvalid()
    record_in_chain("privacy.export.downloaded", actor=actor, tenant_id=_chain_of(request), target=request)
    return request


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ReasonRequired()
    return reason[:300]
