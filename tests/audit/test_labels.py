from __future__ import annotations

import pytest

from apps.audit.labels import describe
from apps.audit.models import AuditEvent
from apps.audit.selectors import recent_events
from apps.audit.services import record_event
from apps.tenancy.services import change_role


def _event(action: str, body: str) -> AuditEvent:
    return AuditEvent(action=action, body=body)


def test_describe_fills_the_sentence_from_the_recorded_facts():
    body = '{"before":{},"after":{"user":"ivy@example.test","role":"viewer"},"extra":{}}'
    assert describe(_event("tenancy.membership.created", body)) == "added ivy@example.test as viewer"
    body = '{"before":{"name":"A"},"after":{"name":"B","vat_number":"980780684"},"extra":{}}'
    assert describe(_event("tenancy.tenant.updated", body)) == "changed the business details (name, vat_number)"


@pytest.mark.parametrize(
    ("action", "body"),
    [("documents.file.uploaded", "{}"), ("tenancy.membership.created", "{}"), ("tenancy.tenant.created", "not json")],
)
def test_describe_falls_back_to_the_code(action, body):
    assert describe(_event(action, body)) == action


@pytest.mark.django_db
def test_tenant_home_shows_activity_in_words(client, owner_a, bookkeeper_a, tenant_a, in_tenant):
    from apps.tenancy.models import Membership, Role

    with in_tenant(tenant_a):
        change_role(membership=Membership.objects.get(user=bookkeeper_a), role=Role.ACCOUNTANT, actor=owner_a)
        record_event("documents.file.uploaded", actor=owner_a, tenant_id=tenant_a.pk)
    assert [e.summary for e in recent_events(tenant_a.pk)] == [
        "documents.file.uploaded",
        f"made {bookkeeper_a.email} accountant",
    ]
    client.force_login(bookkeeper_a)
    body = client.get(f"/t/{tenant_a.slug}/").content.decode()
    assert f"made {bookkeeper_a.email} accountant" in body
    assert f"GB {tenant_a.vat_number[:3]} {tenant_a.vat_number[3:7]} {tenant_a.vat_number[7:]}" in body
