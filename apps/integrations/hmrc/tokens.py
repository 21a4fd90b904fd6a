"""Keeping a business's HMRC access token usable: refresh before expiry, serialised, never lost.

Why refreshes take the connection row's lock: HMRC's refresh tokens are
single use, so two workers refreshing at once would have one of them fail
with invalid_grant and lose the connection. The second caller waits on the
lock, then finds the fresh token and uses it without refreshing again.

Why a refresh registers a replay (``apps.tenancy.durable``): a refresh inside
a transaction that later rolls back (the portal middleware's, on a response
>= 400) would lose the new tokens while HMRC has already spent the old
refresh token, leaving the business to reconnect. The replay stores them
again after such a rollback.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import structlog
from django.utils import timezone

from apps.audit.services import record_event
from apps.integrations.errors import (
    ExternalServiceUnavailable,
    HmrcAuthorisationFailed,
    HmrcNotConnected,
    IntegrationError,
)
from apps.integrations.hmrc.models import HmrcConnection
from apps.integrations.hmrc.oauth import GrantRejected, TokenSet, token_request
from apps.integrations.hmrc.states import move_connection
from apps.tenancy import durable
from apps.tenancy.context import tenant_context

log = structlog.get_logger("strongroom.integrations.hmrc")


def _mark_needs_reauth(connection: HmrcConnection, reason: str) -> None:
    before = connection.status
    move_connection(connection, "need_reauth", changes={"status_reason": reason}, update_fields=["updated_at"])
    record_event(
        "integrations.hmrc.refresh_failed",
        tenant_id=connection.tenant_id,
        target=connection,
        actor_label="system",
        before={"status": before},
        after={"status": connection.status},
        extra={"reason": reason},
    )


def _refresh(tenant, *, stale_access_token: str | None = None) -> str:
    """Refresh under the row lock, unless someone else already did (then use theirs)."""
    failure: IntegrationError | None = None
    with tenant_context(tenant):
        connection = HmrcConnection.objects.select_for_update().filter(tenant=tenant).first()
        if connection is None or not connection.is_connected:
            raise HmrcNotConnected()
        if stale_access_token is None and not connection.expires_soon():
            return connection.access_token  # refreshed by another caller while we waited for the lock
        if stale_access_token is not None and connection.access_token != stale_access_token:
            return connection.access_token
        try:
            tokens = token_request(
                "token_refresh", {"grant_type": "refresh_token", "refresh_token": connection.refresh_token}
            )
        except GrantRejected:
            _mark_needs_reauth(connection, "HMRC refused the refresh token (invalid_grant)")
            failure = HmrcNotConnected()
        except (ExternalServiceUnavailable, HmrcAuthorisationFailed) as error:
            # The grant may well be fine (HMRC down, or our client credentials refused): keep the connection,
            # record the failure, and let the caller retry later.
            record_event(
                "integrations.hmrc.refresh_failed",
                tenant_id=connection.tenant_id,
                target=connection,
                actor_label="system",
                extra={"reason": error.code},
            )
            failure = (
                error
                if isinstance(error, ExternalServiceUnavailable)
                else ExternalServiceUnavailable(
                    "HMRC refused to renew the connection just now. Our team has been told; please try again later.",
                    code="REFRESH_REFUSED",
                    service="HMRC",
                )
            )
        else:
            spent = connection.refresh_token
            _store_refreshed(connection, tokens)
            # HMRC has spent the old refresh token: if the request around us rolls back, store the new ones anyway.
            durable.keep_after_rollback(partial(_store_refreshed_again, tenant.pk, spent, tokens))
            log.info("hmrc_token_refreshed")
            return tokens.access_token
    # Raised after the block so that the needs-reauth status and the audit events commit.
    raise failure


def _store_refreshed(connection: HmrcConnection, tokens: TokenSet) -> None:
    now = timezone.now()
    connection.access_token = tokens.access_token
    connection.refresh_token = tokens.refresh_token
    connection.expires_at = now + timedelta(seconds=tokens.expires_in)
    connection.scopes = tokens.scope or connection.scopes
    connection.last_refreshed_at = now
    connection.save()


def _store_refreshed_again(tenant_id, spent_refresh_token: str, tokens: TokenSet) -> None:
    """After the request's rollback: keep HMRC's new tokens, unless the row moved on meanwhile."""
    with tenant_context(tenant_id):
        connection = HmrcConnection.objects.select_for_update().filter(tenant_id=tenant_id).first()
        if connection is None or connection.refresh_token != spent_refresh_token:
            return  # someone else refreshed, or the business disconnected: theirs is the newer truth
        _store_refreshed(connection, tokens)
        log.info("hmrc_token_refresh_kept_after_rollback")


def access_token_for(tenant) -> str:
    """A usable access token: refreshed first when it expires within 5 minutes. Raises HmrcNotConnected."""
    with tenant_context(tenant):
        connection = HmrcConnection.objects.filter(tenant=tenant).first()
        if connection is None or not connection.is_connected:
            raise HmrcNotConnected()
        if not connection.expires_soon():
            return connection.access_token
    return _refresh(tenant)


def refresh_after_rejection(tenant, rejected_access_token: str) -> str:
    """HMRC refused a token we thought valid: refresh once (unless another caller already replaced it)."""
    return _refresh(tenant, stale_access_token=rejected_access_token)


def mark_token_rejected(tenant, reason: str) -> None:
    """A freshly refreshed token was refused too: the connection needs a person to reconnect."""
    with tenant_context(tenant):
        connection = HmrcConnection.objects.select_for_update().filter(tenant=tenant).first()
        if connection is not None and connection.is_connected:
            _mark_needs_reauth(connection, reason)
