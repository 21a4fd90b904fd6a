"""The retention job: per category, find what is past its period and delete it (or, in a dry run, count it).

Dry run unless PRIVACY_RETENTION_ENABLED: the job then records what it WOULD delete, so an operator reads
a few runs before turning deletion on. Categories whose rows the database will not let go (the immutable
ledger, the append-only audit chain) are reported, never deleted. Every run is a RetentionRun row, an
audit event (counts only) and metrics.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import ProtectedError, Q, QuerySet
from django.utils import timezone

from apps.audit.models import PLATFORM_CHAIN, AuditEvent
from apps.audit.services import record_event
from apps.documents.models import Document, DocumentState
from apps.filing.models import VatReturn
from apps.ledger.models import BankTransaction, JournalEntry
from apps.observability.models import SyntheticRun
from apps.privacy import metrics, store
from apps.privacy.models import PrivacyRequest, RetentionRun
from apps.privacy.policies import CATEGORIES, statutory_cutoff
from apps.privacy.states import move_request
from apps.tenancy.context import db_tenant, tenant_context
from apps.tenancy.models import Tenant

log = logging.getLogger(__name__)

SET_ASIDE = (DocumentState.FAILED, DocumentState.REJECTED, DocumentState.DUPLICATE, DocumentState.ARCHIVED)


@dataclass
class Tally:
    due: int = 0
    deleted: int = 0
    kept: int = 0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"due": self.due, "deleted": self.deleted, "kept": self.kept, "note": "; ".join(self.notes)}


def _delete_documents(queryset: QuerySet[Document], tally: Tally, *, apply: bool) -> None:
    """Delete due documents and, after the commit, their files; a row another row still points at is kept."""
    rows = list(queryset.values_list("pk", "storage_name"))
    tally.due += len(rows)
    if not apply:
        return
    for pk, storage_name in rows:
        try:
            with transaction.atomic():
                Document.objects.filter(pk=pk).delete()
        except ProtectedError:
            tally.kept += 1
            continue
        tally.deleted += 1
        if storage_name:
            transaction.on_commit(lambda name=storage_name: _delete_file(name))


def _delete_file(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:  # the reconciliation reports files left behind; the row is gone either way
        log.warning("retention: could not delete a document file", extra={"storage_name": name})


def _documents(tenant: Tenant, today: date, now: datetime, tally: Tally, apply: bool) -> None:
    cutoff = statutory_cutoff(today)
    old = Q(received_on__lt=cutoff) | Q(received_on__isnull=True, uploaded_at__date__lt=cutoff)
    _delete_documents(Document.objects.filter(old).exclude(state__in=SET_ASIDE), tally, apply=apply)


def _failed_uploads(tenant: Tenant, today: date, now: datetime, tally: Tally, apply: bool) -> None:
    before = now - timedelta(days=settings.PRIVACY_FAILED_UPLOAD_DAYS)
    due = Document.objects.filter(state__in=SET_ASIDE, state_changed_at__lt=before, journal_entry_id__isnull=True)
    _delete_documents(due, tally, apply=apply)


def _ledger_filings(tenant: Tenant, today: date, now: datetime, tally: Tally, apply: bool) -> None:
    cutoff = statutory_cutoff(today)
    due = (
        JournalEntry.objects.filter(date__lt=cutoff).count()
        + BankTransaction.objects.filter(date__lt=cutoff).count()
        + VatReturn.objects.filter(obligation__end__lt=cutoff).count()
    )
    tally.due += due
    tally.kept += due


def _synthetic(tenant: Tenant, today: date, now: datetime, tally: Tally, apply: bool) -> None:
    before = now - timedelta(days=settings.PRIVACY_SYNTHETIC_DAYS)
    _delete_documents(Document.objects.filter(uploaded_at__lt=before), tally, apply=apply)
    entries = JournalEntry.objects.filter(posted_at__lt=before).count()
    if entries:
        tally.due += entries
        tally.kept += entries
        tally.notes.append(f"{entries} journal entries kept (the ledger is immutable)")


TenantStep = Callable[[Tenant, date, datetime, Tally, bool], None]


def _per_tenant(tenants: list[Tenant], step: TenantStep, today: date, now: datetime, tally: Tally, apply: bool):
    for tenant in tenants:
        with tenant_context(tenant):
            step(tenant, today, now, tally, apply)


def _audit(now: datetime, tally: Tally, chains: list) -> None:
    before = now - timedelta(days=365 * settings.PRIVACY_AUDIT_YEARS)
    for chain in chains:
        with db_tenant(chain):
            tally.due += AuditEvent.objects.filter(chain=chain, occurred_at__lt=before).count()
    tally.kept = tally.due
    tally.notes.append("append-only chain: due events are archived with the whole chain, never deleted singly")


def _sessions(now: datetime, tally: Tally, apply: bool) -> None:
    expired = Session.objects.filter(expire_date__lt=now)
    tally.due = expired.count()
    if apply:
        tally.deleted = expired.delete()[0]


def _synthetic_runs(now: datetime, tally: Tally, apply: bool) -> None:
    old = SyntheticRun.objects.filter(at__lt=now - timedelta(days=settings.PRIVACY_SYNTHETIC_DAYS))
    count = old.count()
    tally.due += count
    if apply:
        tally.deleted += old.delete()[0]


def _exports(now: datetime, tally: Tally, apply: bool) -> None:
    before = now - timedelta(days=settings.PRIVACY_EXPORT_KEEP_DAYS)
    due = PrivacyRequest.objects.filter(status=PrivacyRequest.Status.READY, completed_at__lt=before)
    for request in due:
        tally.due += 1
        if apply:
            store.delete_export(request.export_name)
            move_request(request, "expire", changes={"export_deleted_at": now, "link_token_hash": ""})
            tally.deleted += 1


def run_retention(
    *, dry_run: bool | None = None, now: datetime | None = None, triggered_by: str = "beat"
) -> RetentionRun:
    """One pass over every category. ``dry_run`` None means: dry unless PRIVACY_RETENTION_ENABLED."""
    if dry_run is None:
        dry_run = not settings.PRIVACY_RETENTION_ENABLED
    apply = not dry_run
    now = now or timezone.now()
    today = timezone.localdate(now)
    run = RetentionRun.objects.create(started_at=timezone.now(), dry_run=dry_run, triggered_by=triggered_by)
    tallies = {category: Tally() for category in CATEGORIES}
    synthetic_slug = settings.PRIVACY_SYNTHETIC_TENANT_SLUG
    tenants = list(Tenant.objects.exclude(slug=synthetic_slug).order_by("pk"))
    synthetic = list(Tenant.objects.filter(slug=synthetic_slug))
    with transaction.atomic():
        _per_tenant(tenants, _documents, today, now, tallies["documents"], apply)
        _per_tenant(tenants, _failed_uploads, today, now, tallies["failed_uploads"], apply)
        _per_tenant(tenants + synthetic, _ledger_filings, today, now, tallies["ledger_filings"], apply)
        _per_tenant(synthetic, _synthetic, today, now, tallies["synthetic"], apply)
        _synthetic_runs(now, tallies["synthetic"], apply)
        _audit(now, tallies["audit"], [PLATFORM_CHAIN, *(t.pk for t in tenants + synthetic)])
        _sessions(now, tallies["sessions"], apply)
        _exports(now, tallies["exports"], apply)
        if tallies["ledger_filings"].kept:
            tallies["ledger_filings"].notes.append("immutable ledger and filed returns: reviewed purge only")
        run.counts = {category: tally.as_dict() for category, tally in tallies.items()}
        run.finished_at = timezone.now()
        run.save(update_fields=["counts", "finished_at"])
        record_event(
            "privacy.retention.ran",
            actor_label=f"retention job ({triggered_by})",
            target=run,
            after={
                "dry_run": dry_run,
                "counts": {c: {k: v for k, v in t.as_dict().items() if k != "note"} for c, t in tallies.items()},
            },
        )
    metrics.RETENTION_RUNS.labels(mode="dry_run" if dry_run else "applied").inc()
    for category, tally in tallies.items():
        if dry_run:
            metrics.RETENTION_ITEMS.labels(category=category, action="would_delete").inc(tally.due - tally.kept)
        else:
            metrics.RETENTION_ITEMS.labels(category=category, action="deleted").inc(tally.deleted)
        metrics.RETENTION_ITEMS.labels(category=category, action="kept").inc(tally.kept)
    return run
