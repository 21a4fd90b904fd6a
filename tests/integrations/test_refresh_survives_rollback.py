"""A token refresh inside a request that then fails is kept: HMRC has already spent the old refresh token.

HMRC's token endpoint is modelled here by a small fake that keeps its own
state outside the database (single-use refresh tokens, as HMRC documents):
the in-process sandbox shares the test's transaction, so the rollback under
test would undo the sandbox's side too, which real HMRC never does.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from apps.integrations.errors import HmrcNotConnected
from apps.integrations.hmrc import tokens
from apps.integrations.hmrc.models import HmrcConnection
from apps.integrations.hmrc.oauth import GrantRejected, TokenSet
from apps.tenancy import durable
from apps.tenancy.context import tenant_context
from apps.tenancy.middleware import TenantMiddleware

pytestmark = pytest.mark.django_db


def _expire(tenant) -> str:
    with tenant_context(tenant):
        connection = HmrcConnection.objects.get(tenant=tenant)
        connection.expires_at = timezone.now() - timedelta(seconds=1)
        connection.save()
        return connection.refresh_token


class FakeHmrcTokenEndpoint:
    """Refresh tokens are single use: each refresh spends the one given and issues a new one."""

    def __init__(self, live: str) -> None:
        self.live = {live}
        self.issued = 0

    def __call__(self, operation: str, data: dict[str, str]) -> TokenSet:
        given = data["refresh_token"]
        if given not in self.live:
            raise GrantRejected("invalid_grant")
        self.live.discard(given)
        self.issued += 1
        self.live.add(f"refresh-{self.issued}")
        return TokenSet(f"access-{self.issued}", f"refresh-{self.issued}", 14400, "read:vat write:vat")


@pytest.fixture
def hmrc_tokens(tenant_a, hmrc_connected, monkeypatch) -> FakeHmrcTokenEndpoint:
    with tenant_context(tenant_a):
        live = HmrcConnection.objects.get(tenant=tenant_a).refresh_token
    fake = FakeHmrcTokenEndpoint(live)
    monkeypatch.setattr(tokens, "token_request", fake)
    return fake


def _failing_request_that_refreshes(tenant, user, rf) -> HttpResponse:
    """A portal request whose view refreshes the token, then fails (the middleware rolls its transaction back)."""

    def view(request):
        tokens.access_token_for(request.tenant)
        return HttpResponse("something else went wrong", status=500)

    request = rf.get(reverse("filing:home", kwargs={"tenant_slug": tenant.slug}))
    request.user = user
    return TenantMiddleware(view)(request)


def test_the_new_tokens_are_stored_again_after_the_request_rolls_back(tenant_a, owner_a, hmrc_tokens, rf):
    spent = _expire(tenant_a)
    assert _failing_request_that_refreshes(tenant_a, owner_a, rf).status_code == 500
    with tenant_context(tenant_a):
        connection = HmrcConnection.objects.get(tenant=tenant_a)
        assert connection.refresh_token != spent and connection.refresh_token in hmrc_tokens.live
        assert connection.expires_at > timezone.now()
    # And the kept refresh token is the live one: the next refresh works.
    _expire(tenant_a)
    assert tokens.access_token_for(tenant_a)


def test_without_the_replay_the_connection_would_be_lost(tenant_a, owner_a, hmrc_tokens, rf, monkeypatch):
    """The failure the replay exists for (shown by switching it off)."""
    monkeypatch.setattr(durable, "keep_after_rollback", lambda replay: False)
    spent = _expire(tenant_a)
    _failing_request_that_refreshes(tenant_a, owner_a, rf)
    with tenant_context(tenant_a):
        assert HmrcConnection.objects.get(tenant=tenant_a).refresh_token == spent
    with pytest.raises(HmrcNotConnected):
        tokens.access_token_for(tenant_a)  # HMRC refuses the spent refresh token: reconnect needed


def test_a_replay_never_overwrites_a_newer_refresh(tenant_a, owner_a, hmrc_connected):
    with tenant_context(tenant_a):
        current = HmrcConnection.objects.get(tenant=tenant_a).refresh_token
    tokens._store_refreshed_again(tenant_a.pk, "an-older-spent-token", TokenSet("a", "b", 3600, "read:vat"))
    with tenant_context(tenant_a):
        assert HmrcConnection.objects.get(tenant=tenant_a).refresh_token == current


def test_outside_a_request_nothing_is_registered(tenant_a):
    assert durable.keep_after_rollback(lambda: None) is False
