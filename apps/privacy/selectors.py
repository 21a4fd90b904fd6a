"""Reads for the privacy pages and checks."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.privacy.models import ErasureCertificate, PrivacyRequest, RetentionRun
from apps.tenancy.models import Tenant


def last_run(*, dry_run: bool | None = None) -> RetentionRun | None:
    runs = RetentionRun.objects.filter(finished_at__isnull=False)
    if dry_run is not None:
        runs = runs.filter(dry_run=dry_run)
    return runs.order_by("-started_at").first()


def recent_runs(limit: int = 20) -> list[RetentionRun]:
    return list(RetentionRun.objects.order_by("-started_at")[:limit])


def open_requests() -> QuerySet[PrivacyRequest]:
    return PrivacyRequest.objects.filter(status__in=[PrivacyRequest.Status.OPEN, PrivacyRequest.Status.RUNNING])


def all_requests(limit: int = 200) -> list[PrivacyRequest]:
    return list(PrivacyRequest.objects.select_related("subject_user", "subject_tenant", "requested_by")[:limit])


def requests_for_business(tenant: Tenant) -> list[PrivacyRequest]:
    """The business's own requests (its export and erasure), and the access requests its members made for
    themselves from this page (a person's own export is theirs, shown to them only by the view)."""
    return list(PrivacyRequest.objects.filter(subject_tenant=tenant).select_related("requested_by"))


def own_requests(user) -> list[PrivacyRequest]:
    return list(PrivacyRequest.objects.filter(subject_user=user, subject=PrivacyRequest.Subject.PERSON))


def certificates(limit: int = 100) -> list[ErasureCertificate]:
    return list(ErasureCertificate.objects.select_related("request")[:limit])
