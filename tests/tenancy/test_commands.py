from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from apps.tenancy.context import tenant_context
from apps.tenancy.models import Invitation
from tests.helpers import audit_actions

pytestmark = pytest.mark.django_db


def test_invite_command_enters_the_tenant_and_prints_a_working_link(
    tenant_a, owner_a, client, capsys, django_user_model
):
    call_command("invite", tenant=tenant_a.slug, email="Pat@Example.test", role="viewer", inviter=owner_a.email)
    link = capsys.readouterr().out.strip().splitlines()[-1]
    assert link.startswith(f"http://127.0.0.1:8000/invitations/{tenant_a.pk}/")
    with tenant_context(tenant_a):
        assert Invitation.objects.get().email == "pat@example.test"
    assert audit_actions(tenant_a.pk)[-2:] == ["tenancy.invitation.created", "tenancy.invitation.issued_by_operator"]

    pat = django_user_model.objects.create_user("pat@example.test", "p" * 16)
    client.force_login(pat)
    assert client.post(link.removeprefix("http://127.0.0.1:8000")).status_code == 302


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tenant": "no-such"}, "No business"),
        ({"email": "not an email"}, "not an email address"),
        ({"inviter": "ghost@example.test"}, "No user"),
    ],
)
def test_invite_command_bad_input_is_a_clear_error(tenant_a, owner_a, kwargs, message):
    options = {"tenant": tenant_a.slug, "email": "pat@example.test", "role": "viewer", "inviter": owner_a.email}
    with pytest.raises(CommandError, match=message):
        call_command("invite", **{**options, **kwargs})
    with tenant_context(tenant_a):
        assert not Invitation.objects.exists()


def test_invite_command_refuses_an_existing_member(tenant_a, owner_a, bookkeeper_a):
    with pytest.raises(CommandError, match="already a member"):
        call_command("invite", tenant=tenant_a.slug, email=bookkeeper_a.email, role="viewer", inviter=owner_a.email)


def test_a_new_tenant_gets_its_chart_of_accounts_in_the_same_transaction(user, in_tenant):
    from apps.ledger.models import Account
    from apps.tenancy.services import create_tenant

    tenant = create_tenant(name="Juniper Lane Ceramics Ltd", slug="juniper-lane", owner=user)
    with in_tenant(tenant):
        codes = set(Account.objects.values_list("code", flat=True))
    assert {"090", "200", "800", "820", "821"} <= codes
