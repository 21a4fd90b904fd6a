"""Erasure: a business (restrict statutory records, erase the rest, shred its keys) and a person (anonymise)."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client

from apps.accounts.models import User
from apps.audit.models import PLATFORM_CHAIN
from apps.audit.selectors import verify_chain
from apps.documents.models import Document, DocumentState, KnownSupplier
from apps.integrations.hmrc.models import HmrcConnection
from apps.ledger.models import JournalEntry
from apps.onboarding.models import OnboardingProgress
from apps.privacy.errors import ErasureBlocked, RequestNotActionable
from apps.privacy.models import PrivacyRequest
from apps.privacy.services.erasure import erase_business, erase_person
from apps.privacy.services.requests import open_request
from apps.security_center.crypto import keystore
from apps.security_center.crypto.envelope import decrypt
from apps.security_center.crypto.errors import KeyDestroyed
from apps.tenancy.models import Membership, Role, Tenant
from tests.conftest import make_member
from tests.factories import (
    DocumentFactory,
    HmrcConnectionFactory,
    InvitationFactory,
    KnownSupplierFactory,
    OnboardingProgressFactory,
)
from tests.factories.books import sale
from tests.helpers import audit_events

pytestmark = pytest.mark.django_db
K = PrivacyRequest.Kind


def _raw_tokens(tenant, in_tenant) -> list[tuple]:
    """The sealed bytes as a backup holds them (read past the field's descriptor)."""
    with in_tenant(tenant):
        return [(pk, bytes(raw)) for pk, raw in HmrcConnection.objects.values_list("pk", "access_token")]


def _open(tenant, row_id, blob) -> bytes:
    return decrypt(tenant_id=tenant.pk, label="hmrc.access_token", row_id=row_id, blob=blob)


def test_erasing_one_business_makes_its_sealed_values_unreadable_while_anothers_stay_readable_and_chains_verify(
    tenant_a, tenant_b, owner_a, bookkeeper_b, officer, in_tenant, django_capture_on_commit_callbacks
):
    with in_tenant(tenant_a):
        HmrcConnectionFactory(tenant=tenant_a, access_token="a-token-secret")
    with in_tenant(tenant_b):
        HmrcConnectionFactory(tenant=tenant_b, access_token="b-token-secret")
    backup_a, backup_b = _raw_tokens(tenant_a, in_tenant), _raw_tokens(tenant_b, in_tenant)
    with in_tenant(tenant_a):
        assert _open(tenant_a, *backup_a[0]) == b"a-token-secret"  # readable before
    request = open_request(kind=K.ERASURE, subject_tenant=tenant_a, requested_by=owner_a, reason="closing down")
    with django_capture_on_commit_callbacks(execute=True):
        certificate = erase_business(request=request, actor=officer, reason="ticket SR-15 owner asked")
    keystore.clear_key_cache()  # another process, after the cache TTL
    with in_tenant(tenant_a), pytest.raises(KeyDestroyed):
        _open(tenant_a, *backup_a[0])
    with in_tenant(tenant_b):
        assert _open(tenant_b, *backup_b[0]) == b"b-token-secret"
        assert HmrcConnection.objects.get().access_token == "b-token-secret"
    with in_tenant(tenant_a):
        assert not HmrcConnection.objects.exists()
    for chain in (tenant_a.pk, tenant_b.pk, PLATFORM_CHAIN):
        assert verify_chain(chain).ok
    out = io.StringIO()
    call_command("verify_audit_chain", stdout=out)  # the operator's command: exits non-zero on a broken link
    body = json.loads(certificate.body)
    assert body["erased"]["data_keys_destroyed"] >= 1
    assert body["backups"]["by"] and body["subject"] == {"type": "business", "business_id": str(tenant_a.pk)}
    assert certificate.sha256 in json.dumps([json.loads(e.body) for e in audit_events(tenant_a.pk)])


def test_business_erasure_restricts_statutory_records_and_erases_the_rest(
    tenant_a, owner_a, books_a, officer, in_tenant
):
    viewer = make_member(tenant_a, Role.VIEWER)
    with in_tenant(tenant_a):
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
        posted = DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED)
        DocumentFactory(tenant=tenant_a, state=DocumentState.REJECTED)
        InvitationFactory(tenant=tenant_a, invited_by=owner_a)
        OnboardingProgressFactory(tenant=tenant_a, data={"business": {"contact": "Olive Owner"}}, review_note="call me")
        KnownSupplierFactory(tenant=tenant_a)
    request = open_request(kind=K.ERASURE, subject_tenant=tenant_a, requested_by=owner_a)
    certificate = erase_business(request=request, actor=officer, reason="ticket SR-16")
    tenant_a.refresh_from_db()
    assert tenant_a.status == Tenant.Status.CLOSED
    assert not Membership.objects.filter(tenant=tenant_a).exists()
    assert User.objects.filter(pk=viewer.pk).exists()  # people are erased by their own request, not with a business
    with in_tenant(tenant_a):
        assert list(Document.objects.values_list("pk", flat=True)) == [posted.pk]
        assert JournalEntry.objects.count() == 1
        assert not KnownSupplier.objects.exists()  # remembered suppliers are a reading aid, not a statutory record
        progress = OnboardingProgress.objects.get()
        # Blanked, then crypto-shredded with every sealed value of the business: nothing is readable any more.
        with pytest.raises(KeyDestroyed):
            progress.data  # noqa: B018
        with pytest.raises(KeyDestroyed):
            progress.review_note  # noqa: B018
    body = json.loads(certificate.body)
    assert body["restricted"]["journal_entries"] == 1 and body["restricted"]["documents"] == 1
    assert body["erased"]["set_aside_documents"] == 1 and body["erased"]["invitations"] == 1
    assert body["erased"]["known_suppliers"] == 1
    # Six years after the end of the accounting period (taken as twelve months after the latest record).
    assert body["restricted"]["may_be_erased_from"] >= "2032-01-01"
    request.refresh_from_db()
    assert request.status == PrivacyRequest.Status.DONE and request.restricted_until is not None
    # Closed: the owner (no longer a member) cannot open its pages; nor can anyone else.
    client = Client()
    client.force_login(owner_a)
    assert client.get(f"/t/{tenant_a.slug}/ledger/").status_code in {403, 404}
    with pytest.raises(RequestNotActionable):
        erase_business(request=request, actor=officer, reason="again please")


def test_person_erasure_anonymises_the_account_and_keeps_their_records_restricted(
    tenant_a, tenant_b, owner_a, officer, in_tenant, client
):
    person = make_member(tenant_a, Role.BOOKKEEPER, email="erase.me@example.test", full_name="Erin Erasable")
    Membership.objects.create(user=person, tenant=tenant_b, role=Role.VIEWER)
    with in_tenant(tenant_a):
        document = DocumentFactory(tenant=tenant_a, uploaded_by=person)
        InvitationFactory(tenant=tenant_a, invited_by=owner_a, email="erase.me@example.test")
    client.force_login(person)
    assert Session.objects.count() == 1
    request = open_request(kind=K.ERASURE, subject_user=person, requested_by=officer)
    certificate = erase_person(request=request, actor=officer, reason="the person asked by email")
    person.refresh_from_db()
    assert person.email == f"erased-{person.pk}@erased.invalid"
    assert (person.full_name, person.is_active, person.has_usable_password()) == ("", False, False)
    assert not Membership.objects.filter(user=person).exists()
    assert Session.objects.count() == 0
    with in_tenant(tenant_a):
        assert Document.objects.get(pk=document.pk).uploaded_by_id == person.pk  # kept, now anonymised
    body = json.loads(certificate.body)
    assert body["restricted"]["documents"] == 1 and body["erased"]["memberships"] == 2
    assert body["kept"]["audit_events"]["by_former_email"] >= 1  # earlier events name them (see decision 0026)
    text = json.dumps(body)
    assert "erase.me@example.test" not in text and "Erin" not in text
    new_events = [e for e in audit_events() + audit_events(tenant_a.pk) if e.action.startswith("privacy.")]
    assert new_events and all("erase.me@example.test" not in e.body for e in new_events)
    for chain in (tenant_a.pk, tenant_b.pk, PLATFORM_CHAIN):
        assert verify_chain(chain).ok


def test_the_only_owner_of_an_open_business_cannot_be_erased(tenant_a, owner_a, officer):
    request = open_request(kind=K.ERASURE, subject_user=owner_a, requested_by=officer)
    with pytest.raises(ErasureBlocked, match="only owner"):
        erase_person(request=request, actor=officer, reason="asked by email")
    owner_a.refresh_from_db()
    assert owner_a.is_active and Membership.objects.filter(user=owner_a).exists()
