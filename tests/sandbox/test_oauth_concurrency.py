"""Refresh tokens and codes are single use under concurrency too (PostgreSQL: real parallel transactions)."""

from __future__ import annotations

import threading

import pytest
from django.utils import timezone

from apps.sandbox.fixtures import DEMO_VRN
from apps.sandbox.models import Token
from apps.sandbox.services import oauth
from tests.sandbox.conftest import REDIRECT


def _race(work) -> list:
    """Run ``work`` in two threads released together; each thread's own connection is closed after."""
    from django.db import connections

    barrier, results = threading.Barrier(2), []

    def run():
        barrier.wait()
        try:
            results.append(work())
        except oauth.OAuthError as exc:
            results.append(exc.error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.postgres
def test_concurrent_refreshes_with_one_token_only_one_wins(committed_db, settings):
    now = timezone.now()
    client = oauth.find_client(settings.HMRC_CLIENT_ID)
    request = oauth.AuthRequest(client, REDIRECT, ("read:vat",), "", "")
    tokens = oauth.exchange_code(
        client, code=oauth.grant_authority(request, vrn=DEMO_VRN, now=now), redirect_uri=REDIRECT, now=now
    )
    results = _race(lambda: oauth.refresh(client, refresh_token=tokens.refresh_token, now=now).access_token)
    assert results.count("invalid_grant") == 1 and len(results) == 2
    assert Token.objects.filter(revoked_at__isnull=True).count() == 1


@pytest.mark.postgres
def test_concurrent_exchanges_of_one_code_only_one_wins(committed_db, settings):
    now = timezone.now()
    client = oauth.find_client(settings.HMRC_CLIENT_ID)
    code = oauth.grant_authority(oauth.AuthRequest(client, REDIRECT, ("read:vat",), "", ""), vrn=DEMO_VRN, now=now)
    results = _race(lambda: oauth.exchange_code(client, code=code, redirect_uri=REDIRECT, now=now).access_token)
    assert results.count("invalid_request") == 1 and len(results) == 2
    assert Token.objects.count() == 1
