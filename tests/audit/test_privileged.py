"""A service marked privileged that writes no audit event fails, and its writes roll back."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.db import transaction

from apps.audit.privileged import REGISTRY, PrivilegedActionNotAudited, privileged
from apps.audit.services import record_event
from apps.tenancy.models import Tenant
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


@privileged("tenancy.tenant.")
def _rename_quietly(tenant: Tenant, name: str) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(name=name)


@transaction.atomic
@privileged("tenancy.tenant.")
def _rename_audited(tenant: Tenant, name: str) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(name=name)
    record_event("tenancy.tenant.updated", target=tenant, after={"name": name})


@transaction.atomic
@privileged("tenancy.tenant.")
def _rename_with_the_wrong_event(tenant: Tenant, name: str) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(name=name)
    record_event("ledger.chart.seeded", target=tenant)


def test_an_unaudited_privileged_change_is_refused_and_rolled_back():
    tenant = TenantFactory(name="Quiet Ltd")
    with pytest.raises(PrivilegedActionNotAudited, match="_rename_quietly"):
        _rename_quietly(tenant, "Renamed Ltd")
    tenant.refresh_from_db()
    assert tenant.name == "Quiet Ltd"
    with pytest.raises(PrivilegedActionNotAudited):
        _rename_with_the_wrong_event(tenant, "Renamed Ltd")
    _rename_audited(tenant, "Renamed Ltd")
    tenant.refresh_from_db()
    assert tenant.name == "Renamed Ltd"


def test_refusals_need_no_event():
    @privileged("tenancy.tenant.")
    def refuse() -> None:
        raise ValueError("no")

    with pytest.raises(ValueError):
        refuse()


def test_the_privileged_services_are_marked():
    """The services that change who may do what are on the list; removing a mark fails here."""
    for path in Path("apps").rglob("*.py"):
        if "services" in path.parts or path.stem == "services":
            importlib.import_module(".".join(path.with_suffix("").parts).removesuffix(".__init__"))

    expected = {
        "apps.permissions.services.elevation.request_elevation",
        "apps.permissions.services.elevation.approve_elevation",
        "apps.permissions.services.elevation.deny_elevation",
        "apps.permissions.services.elevation.end_elevation",
        "apps.permissions.services.elevation.break_glass",
        "apps.permissions.services.elevation.review_break_glass",
        "apps.permissions.services.staff_roles.grant_staff_role",
        "apps.permissions.services.staff_roles.revoke_staff_role",
        "apps.permissions.services.reviews.decide_review_item",
        "apps.security_center.crypto.services.rotate_tenant_dek",
        "apps.security_center.crypto.services.shred_tenant_keys",
        "apps.tenancy.services.add_member",
        "apps.tenancy.services.remove_member",
        "apps.tenancy.services.invite_member",
        "apps.tenancy.services.revoke_invitation",
        "apps.tenancy.services.create_api_token",
        "apps.tenancy.services.revoke_api_token",
        "apps.filing.services.returns.approve_return",
        "apps.backups.services.drills.request_drill",  # backups (issue #16)
        "apps.backups.services.tenant_rows.restore_tenant_rows",  # one business's rows put back (issue #16)
        "apps.outbox.services.staff_retry_dead",  # outbox (issue #17)
        "apps.privacy.services.erasure.erase_person",  # privacy (issue #15)
        "apps.privacy.services.erasure.erase_business",  # privacy (issue #15)
    }
    assert expected <= set(REGISTRY)
