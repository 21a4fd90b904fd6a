"""Right to erasure, for a person and for a departing business (decision 0026).

Restrict where statutory retention applies (the ledger, VAT returns and the invoices behind them are kept,
nobody can open them, and the certificate says from when they may be erased); erase the rest; for a
business, crypto-shred its data keys so every copy of its encrypted values, backups included, becomes
unreadable once the backups holding the old key table age out. Each step is audited with ids and counts
only; the certificate's digest is in the audit chain.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, timedelta
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Max
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from apps.audit.models import PLATFORM_CHAIN, AuditEvent
from apps.audit.privileged import privileged
from apps.audit.services import record_event
from apps.documents.models import Document, KnownSupplier
from apps.filing.models import VatReturn
from apps.integrations.hmrc.models import HmrcConnection
from apps.ledger.models import BankTransaction, JournalEntry
from apps.onboarding.models import OnboardingProgress
from apps.privacy import metrics
from apps.privacy.errors import ErasureBlocked, RequestNotActionable
from apps.privacy.models import ErasureCertificate, PrivacyRequest
from apps.privacy.policies import statutory_retain_until, statutory_years
from apps.privacy.services.requests import record_in_chain
from apps.privacy.services.retention import SET_ASIDE, Tally, _delete_documents
from apps.privacy.states import close_tenant, move_request
from apps.security_center.crypto.services import shred_tenant_keys
from apps.tenancy.context import db_tenant, tenant_context
from apps.tenancy.models import ApiToken, Invitation, Membership, Role, Tenant

ST = PrivacyRequest.Status
ERASED_DOMAIN = "erased.invalid"


def backups_age_out(erased_at) -> dict[str, Any]:
    """When the last backup holding the erased data (and the old key table) is expired, from the settings."""
    days = settings.PRIVACY_BACKUP_AGE_OUT_DAYS
    return {
        "by": (erased_at + timedelta(days=days)).date().isoformat(),
        "days": days,
        "basis": (
            f"pgBackRest keeps {settings.PRIVACY_BACKUP_FULL_KEEP} weekly full backups (repo1-retention-full) and "
            f"the WAL between them, so the oldest copy is up to {days} days old; SQLite installations keep the "
            f"newest {settings.BACKUP_SQLITE_KEEP} copies. A backup "
            "taken before the erasure still holds the wrapped data keys: restoring it would bring the data back, "
            "so erasure is complete on this date, when the last such backup has been expired."
        ),
        # apps/backups runs no `restic forget`: document snapshots are never expired, so the files in them do not
        # age out. Files sealed under the business's data key become unreadable with the shredded key; plain ones
        # stay readable in old snapshots until a forget policy prunes them.
        "document_snapshots": "restic snapshots are not expired by any policy yet: document files in them do not age "
        "out; only files sealed under the business's data key are unreadable after the keys are destroyed",
    }


def _issue_certificate(request: PrivacyRequest, body: dict) -> ErasureCertificate:
    text = json.dumps(body, indent=2, sort_keys=True, default=str)
    certificate = ErasureCertificate.objects.create(
        request=request, issued_at=timezone.now(), body=text, sha256=hashlib.sha256(text.encode()).hexdigest()
    )
    return certificate


def _require_open(request: PrivacyRequest, subject: str) -> None:
    if request.kind != PrivacyRequest.Kind.ERASURE or request.subject != subject or request.status != ST.OPEN:
        raise RequestNotActionable()


def _close(request: PrivacyRequest, now, restricted_until: date | None = None) -> None:
    move_request(
        request, "complete", changes={"completed_at": now, "progress": 100, "restricted_until": restricted_until}
    )
    metrics.REQUESTS_COMPLETED.labels(kind=request.kind, subject=request.subject).inc()


def _audit_mentions(user: User, chains: list) -> dict[str, int]:
    """How many audit rows name this person by id, and how many by their email (kept: append-only)."""
    by_id = by_email = 0
    for chain in chains:
        with db_tenant(chain):
            rows = AuditEvent.objects.filter(chain=chain)
            by_id += (rows.filter(actor_id=str(user.pk)) | rows.filter(target_id=str(user.pk))).count()
            by_email += rows.filter(body__icontains=user.email).count()
    return {"by_id": by_id, "by_former_email": by_email}


@privileged("privacy.person.")
def erase_person(*, request: PrivacyRequest, actor, reason: str) -> ErasureCertificate:
    """Erase a person's account and memberships; what they did in a business's records stays, restricted."""
    _require_open(request, PrivacyRequest.Subject.PERSON)
    user = User.objects.select_for_update().get(pk=request.subject_user_id)
    now = timezone.now()
    memberships = list(Membership.objects.filter(user=user).select_related("tenant"))
    for membership in memberships:
        owners = Membership.objects.filter(tenant=membership.tenant, role=Role.OWNER).exclude(user=user)
        if membership.role == Role.OWNER and membership.tenant.is_open and not owners.exists():
            raise ErasureBlocked(
                f"They are the only owner of {membership.tenant.name}: make someone else owner, or erase the business."
            )
    chains = [PLATFORM_CHAIN, *(m.tenant_id for m in memberships)]
    mentions = _audit_mentions(user, chains)
    businesses, restricted = [], {"documents": 0, "journal_entries": 0, "vat_returns": 0, "bank_lines": 0}
    for membership in memberships:
        with tenant_context(membership.tenant):
            counts = {
                "documents": Document.objects.filter(uploaded_by=user).count()
                + Document.objects.filter(reviewed_by=user).exclude(uploaded_by=user).count(),
                "journal_entries": JournalEntry.objects.filter(created_by=user).count(),
                "vat_returns": (VatReturn.objects.filter(prepared_by=user) | VatReturn.objects.filter(approved_by=user))
                .distinct()
                .count(),
                "bank_lines": BankTransaction.objects.filter(handled_by=user).count(),
            }
            for key, value in counts.items():
                restricted[key] += value
            tokens = ApiToken.objects.filter(membership=membership).delete()[0]
            pending = Invitation.objects.filter(email__iexact=user.email, accepted_at__isnull=True).delete()[0]
            accepted = Invitation.objects.filter(email__iexact=user.email).update(
                email=f"erased-{user.pk}@{ERASED_DOMAIN}"
            )
            record_event(
                "privacy.person.erased_from_business",
                actor=actor,
                tenant_id=membership.tenant_id,
                target=request,
                after={"user_id": str(user.pk), "membership_id": str(membership.pk), "role": membership.role},
                extra={"api_tokens": tokens, "invitations_deleted": pending, "invitations_anonymised": accepted},
            )
            membership.delete()
        businesses.append({"business_id": str(membership.tenant_id), "role": membership.role, **counts})
    former_email = user.email
    sessions = [
        s.pk
        for s in Session.objects.filter(expire_date__gt=now)
        if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    Session.objects.filter(pk__in=sessions).delete()
    devices = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    lockouts = sum(
        model.objects.filter(username__iexact=former_email).delete()[0]
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )
    user.email = f"erased-{user.pk}@{ERASED_DOMAIN}"
    user.full_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    restricted_until = None
    if any(restricted.values()):
        restricted_until = statutory_retain_until(now.date())
    body = {
        "certificate": "strongroom.erasure-certificate/1",
        "request_id": str(request.pk),
        "subject": {"type": "person", "user_id": str(user.pk)},
        "erased_at": now.isoformat(),
        "reason": reason,
        "erased": {
            "account": "email replaced, name cleared, password unusable, account deactivated",
            "memberships": len(memberships),
            "sessions": len(sessions),
            "two_factor_devices": devices,
            "sign_in_attempt_records": lockouts,
        },
        "businesses": businesses,
        "restricted": {
            **restricted,
            "why": "accounting and VAT records the person made or approved: legal obligation (UK GDPR "
            "Art. 17(3)(b)); they now point at an anonymised account id",
            "may_be_erased_from": restricted_until.isoformat() if restricted_until else None,
        },
        "kept": {
            "audit_events": mentions,
            "why": "the audit log is append-only and hash-chained (Art. 5(2) accountability); events written "
            "before this erasure may hold the former email as the actor's label; they are kept for "
            f"{settings.PRIVACY_AUDIT_YEARS} years and then archived with their chain",
        },
        "backups": backups_age_out(now),
    }
    certificate = _issue_certificate(request, body)
    record_event(
        "privacy.person.erased",
        actor=actor,
        target=request,
        after={
            "user_id": str(user.pk),
            "certificate_id": str(certificate.pk),
            "certificate_sha256": certificate.sha256,
        },
    )
    _close(request, now, restricted_until)
    return certificate


@privileged("privacy.business.")
def erase_business(*, request: PrivacyRequest, actor, reason: str) -> ErasureCertificate:
    """Close the business, keep its statutory records restricted, erase the rest, shred its data keys."""
    _require_open(request, PrivacyRequest.Subject.BUSINESS)
    tenant = Tenant.objects.select_for_update().get(pk=request.subject_tenant_id)
    now = timezone.now()
    exported = PrivacyRequest.objects.filter(
        kind=PrivacyRequest.Kind.ACCESS, subject_tenant=tenant, completed_at__isnull=False
    ).exists()
    with tenant_context(tenant):
        latest = [
            JournalEntry.objects.aggregate(d=Max("date"))["d"],
            BankTransaction.objects.aggregate(d=Max("date"))["d"],
            VatReturn.objects.aggregate(d=Max("obligation__end"))["d"],
            Document.objects.exclude(state__in=SET_ASIDE).aggregate(d=Max("uploaded_at__date"))["d"],
        ]
        restricted = {
            "journal_entries": JournalEntry.objects.count(),
            "bank_lines": BankTransaction.objects.count(),
            "vat_returns": VatReturn.objects.count(),
            "documents": Document.objects.exclude(state__in=SET_ASIDE).count(),
        }
        set_aside = Tally()
        _delete_documents(Document.objects.filter(state__in=SET_ASIDE), set_aside, apply=True)
        hmrc = HmrcConnection.objects.all().delete()[0]
        # Suppliers remembered for reading (sealed names and VAT numbers): a cache, not a record kept by law.
        known_suppliers = KnownSupplier.objects.all().delete()[0]
        # The wizard's answers, the Companies House profile and the notes to and from staff (free text).
        # Sealed fields take values only through the instance (decision 0025); the keys are shredded below anyway.
        onboarding = 0
        for progress in OnboardingProgress.objects.all():
            progress.data, progress.kyc_profile, progress.kyc_reasons = {}, {}, []
            progress.kyc_name_checked = progress.review_note = progress.review_decision_note = ""
            progress.save()
            onboarding += 1
        invitations = Invitation.objects.all().delete()[0]
        memberships = list(Membership.objects.filter(tenant=tenant))
        tokens = ApiToken.objects.filter(membership__in=memberships).delete()[0]
        Membership.objects.filter(pk__in=[m.pk for m in memberships]).delete()
        close_tenant(tenant)
        record_event(
            "privacy.business.restricted",
            actor=actor,
            tenant_id=tenant.pk,
            target=request,
            after={"status": Tenant.Status.CLOSED, **restricted},
        )
    shredded = shred_tenant_keys(tenant, actor, reason=f"erasure request {request.pk}")
    dates = [d for d in latest if d is not None]
    restricted_until = statutory_retain_until(max(dates)) if dates else None
    body = {
        "certificate": "strongroom.erasure-certificate/1",
        "request_id": str(request.pk),
        "subject": {"type": "business", "business_id": str(tenant.pk)},
        "erased_at": now.isoformat(),
        "reason": reason,
        "business_export_made_first": exported,
        "erased": {
            "set_aside_documents": set_aside.deleted,
            "hmrc_connection": hmrc,
            "known_suppliers": known_suppliers,
            "onboarding_answers_and_notes": onboarding,
            "invitations": invitations,
            "memberships": len(memberships),
            "api_tokens": tokens,
            "data_keys_destroyed": shredded,
            "encrypted_values": "unreadable everywhere, backups included, once the key table's backups age out: "
            "HMRC tokens and every other field sealed under the business's data keys",
        },
        "restricted": {
            **restricted,
            "why": f"UK statutory retention of accounting and VAT records ({statutory_years()} years after the end "
            "of the accounting period; Art. 17(3)(b)); the business is closed, so no member or staff "
            "member can open them",
            "may_be_erased_from": restricted_until.isoformat() if restricted_until else None,
        },
        "kept": {"audit_events": "the business's audit chain (append-only); ids and counts only from this erasure"},
        "backups": backups_age_out(now),
    }
    certificate = _issue_certificate(request, body)
    record_in_chain(
        "privacy.business.erased",
        actor=actor,
        tenant_id=tenant.pk,
        target=request,
        after={"certificate_id": str(certificate.pk), "certificate_sha256": certificate.sha256, "keys": shredded},
    )
    _close(request, now, restricted_until)
    return certificate


def certificate_for(request_id: uuid.UUID) -> ErasureCertificate | None:
    return ErasureCertificate.objects.filter(request_id=request_id).first()
