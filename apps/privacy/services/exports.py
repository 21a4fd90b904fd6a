"""Subject access exports (one person, across every business) and a business's full export on leaving.

The archive is a zip holding ``export.json`` (schema in docs/privacy/export-schema.md, ``schema`` field
``strongroom.subject-access/1`` or ``strongroom.business-export/1``) and, for a business, its document
files under ``documents/``. A person's export names only them: other people appear as ids, never by name
or email, and audit events are listed without their bodies (which may name others).
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit.models import PLATFORM_CHAIN, AuditEvent
from apps.documents.models import Document
from apps.documents.services.storage import read_blob
from apps.filing.models import VatReturn
from apps.ledger.models import Account, BankTransaction, JournalEntry, JournalLine
from apps.privacy import metrics, store
from apps.privacy.models import PrivacyRequest
from apps.privacy.services.requests import record_in_chain
from apps.privacy.states import move_request
from apps.tenancy.context import db_tenant, tenant_context
from apps.tenancy.models import ApiToken, Invitation, Membership, Tenant

log = logging.getLogger(__name__)
ST = PrivacyRequest.Status
PERSON_SCHEMA = "strongroom.subject-access/1"
BUSINESS_SCHEMA = "strongroom.business-export/1"


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _rows(queryset, fields: list[str], **extra: Any) -> list[dict]:
    return [
        {**extra, **{f: _iso(v) for f, v in zip(fields, row, strict=True)}} for row in queryset.values_list(*fields)
    ]


def _audit_about(user_id: str, chain) -> list[dict]:
    """Events this person did or that were done to their account: metadata only (bodies may name others)."""
    fields = ["occurred_at", "action", "target_type", "target_id", "ip_address", "request_id"]
    with db_tenant(chain):
        events = AuditEvent.objects.filter(chain=chain).filter(actor_id=user_id) | AuditEvent.objects.filter(
            chain=chain, target_type="accounts.user", target_id=user_id
        )
        return _rows(events.order_by("seq"), fields, chain=str(chain))


def person_export(user, progress: Callable[[int], None]) -> dict:
    uid = str(user.pk)
    memberships = list(Membership.objects.filter(user=user).select_related("tenant"))
    data: dict[str, Any] = {
        "schema": PERSON_SCHEMA,
        "generated_at": timezone.now().isoformat(),
        "subject": {"user_id": uid},
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "is_active": user.is_active,
            "is_staff": user.is_staff,
        },
        "memberships": [
            {
                "business_id": str(m.tenant_id),
                "business_name": m.tenant.name,
                "role": m.role,
                "since": _iso(m.created_at),
            }
            for m in memberships
        ],
        "api_tokens": _rows(
            ApiToken.objects.filter(membership__user=user),
            ["name", "prefix", "created_at", "last_used_at", "revoked_at"],
        ),
        "audit_events": _audit_about(uid, PLATFORM_CHAIN),
        "invitations": [],
        "documents_uploaded": [],
        "documents_reviewed": [],
        "journal_entries_created": [],
        "vat_returns_prepared": [],
        "vat_returns_approved": [],
    }
    progress(20)
    for index, membership in enumerate(memberships, start=1):
        tenant_id = membership.tenant_id
        with tenant_context(tenant_id):
            tag = {"business_id": str(tenant_id)}
            data["invitations"] += _rows(
                Invitation.objects.filter(accepted_by=user) | Invitation.objects.filter(email__iexact=user.email),
                ["role", "created_at", "expires_at", "accepted_at", "revoked_at"],
                **tag,
            )
            doc_fields = ["id", "original_filename", "content_type", "size", "pages", "uploaded_at", "state"]
            data["documents_uploaded"] += _rows(Document.objects.filter(uploaded_by=user), doc_fields, **tag)
            data["documents_reviewed"] += _rows(
                Document.objects.filter(reviewed_by=user), ["id", "reviewed_at", "state"], **tag
            )
            data["journal_entries_created"] += _rows(
                JournalEntry.objects.filter(created_by=user), ["id", "number", "date", "kind", "posted_at"], **tag
            )
            data["vat_returns_prepared"] += _rows(
                VatReturn.objects.filter(prepared_by=user), ["id", "period_key", "prepared_at", "status"], **tag
            )
            data["vat_returns_approved"] += _rows(
                VatReturn.objects.filter(approved_by=user), ["id", "period_key", "approved_at", "status"], **tag
            )
        data["audit_events"] += _audit_about(uid, tenant_id)
        progress(20 + int(70 * index / len(memberships)))
    for row in data["documents_uploaded"] + data["documents_reviewed"] + data["journal_entries_created"]:
        row["id"] = str(row["id"])
    for row in data["vat_returns_prepared"] + data["vat_returns_approved"]:
        row["id"] = str(row["id"])
    return data


def business_export(tenant: Tenant, progress: Callable[[int], None]) -> tuple[dict, dict[str, bytes]]:
    """The business's records (ledger, bank lines, returns, documents and their files) for it to keep."""
    files: dict[str, bytes] = {}
    with tenant_context(tenant):
        data: dict[str, Any] = {
            "schema": BUSINESS_SCHEMA,
            "generated_at": timezone.now().isoformat(),
            "business": {
                "id": str(tenant.pk),
                "name": tenant.name,
                "vat_number": tenant.vat_number,
                "company_number": tenant.company_number,
            },
            "members": _rows(
                Membership.objects.filter(tenant=tenant), ["user_id", "user__email", "role", "created_at"]
            ),
            "accounts": _rows(Account.objects.all(), ["code", "name", "type", "vat_control", "is_active"]),
            "journal_entries": _rows(
                JournalEntry.objects.order_by("number"), ["id", "number", "date", "kind", "description"]
            ),
            "journal_lines": _rows(
                JournalLine.objects.order_by("entry__number", "position"),
                [
                    "entry_id",
                    "position",
                    "account__code",
                    "debit",
                    "credit",
                    "vat_rate",
                    "vat_treatment",
                    "description",
                ],
            ),
            "bank_transactions": _rows(
                BankTransaction.objects.order_by("date"), ["id", "date", "description", "counterparty", "status"]
            ),
            "vat_returns": _rows(
                VatReturn.objects.order_by("period_key"),
                [
                    "id",
                    "period_key",
                    "status",
                    *[f"box{n}" for n in range(1, 10)],
                    "submitted_at",
                    "form_bundle_number",
                ],
            ),
            "documents": [],
        }
        progress(40)
        documents = list(Document.objects.order_by("uploaded_at"))
        for index, document in enumerate(documents, start=1):
            entry = {
                "id": str(document.pk),
                "original_filename": document.original_filename,
                "content_type": document.content_type,
                "size": document.size,
                "uploaded_at": _iso(document.uploaded_at),
                "state": document.state,
                "journal_entry_id": str(document.journal_entry_id) if document.journal_entry_id else None,
                "file": None,
            }
            if document.storage_name:
                try:
                    files[f"documents/{document.pk}"] = read_blob(document.storage_name)
                    entry["file"] = f"documents/{document.pk}"
                except OSError:
                    entry["file_missing"] = True
            data["documents"].append(entry)
            progress(40 + int(50 * index / len(documents)))
    for section in ("journal_entries", "journal_lines", "bank_transactions", "vat_returns", "members"):
        for row in data[section]:
            for key, value in row.items():
                if not isinstance(value, str | int | float | bool | type(None)):
                    row[key] = str(value)
    return data, files


def _zip(data: dict, files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.json", json.dumps(data, indent=2, sort_keys=True, default=str))
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def build_export(request_id: str) -> PrivacyRequest:
    """Build the export of an access request, saving progress as it goes; idempotent (a done one is left alone)."""
    request = PrivacyRequest.objects.select_related("subject_user", "subject_tenant").get(pk=request_id)
    if request.status not in {ST.OPEN, ST.RUNNING} or request.kind != PrivacyRequest.Kind.ACCESS:
        return request

    def progress(percent: int) -> None:
        PrivacyRequest.objects.filter(pk=request.pk).update(progress=min(99, percent))

    move_request(request, "start", changes={"progress": 1})
    try:
        if request.subject == PrivacyRequest.Subject.PERSON:
            content = _zip(person_export(request.subject_user, progress), {})
        else:
            content = _zip(*business_export(request.subject_tenant, progress))
    except Exception as exc:
        log.exception("privacy export failed", extra={"request_id": str(request.pk)})
        move_request(request, "fail", changes={"error": type(exc).__name__})
        raise
    name = f"{request.pk}.zip"
    size, digest = store.write_export(name, content)
    with transaction.atomic():
        changes = {"progress": 100, "completed_at": timezone.now(), "export_name": name, "export_size": size}
        move_request(request, "export_ready", changes={**changes, "export_sha256": digest})
        record_in_chain(
            "privacy.access_request.completed",
            actor_label="privacy export",
            tenant_id=request.subject_tenant_id if request.subject == PrivacyRequest.Subject.BUSINESS else None,
            target=request,
            after={"size": size, "sha256": digest},
        )
    metrics.REQUESTS_COMPLETED.labels(kind=request.kind, subject=request.subject).inc()
    return request
