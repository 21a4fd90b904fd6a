from __future__ import annotations

import pytest

from apps.tenancy.context import tenant_context

# The books builders live in tests/factories/books.py (books_a is a root fixture); re-exported for the filing tests.
from tests.factories.books import WORKED_EXAMPLE_BOXES, post_worked_example, purchase, sale

__all__ = ["WORKED_EXAMPLE_BOXES", "connect_hmrc", "post_worked_example", "purchase", "sale"]


def connect_hmrc(tenant, user, *, site_url: str) -> None:
    """Drive the real OAuth flow against the sandbox: authorise, grant for the tenant's VRN, exchange the code."""
    from urllib.parse import parse_qsl, urlparse

    from django.test import Client
    from stdnum.gb import vat as gb_vat

    from apps.integrations.hmrc.oauth import complete_authorisation, start_authorisation

    redirect_uri = f"{site_url}/t/{tenant.slug}/integrations/hmrc/callback/"
    with tenant_context(tenant):
        url = start_authorisation(tenant=tenant, user=user, redirect_uri=redirect_uri)
    parsed = urlparse(url)
    answer = Client().post(
        parsed.path, {**dict(parse_qsl(parsed.query)), "action": "grant", "vrn": gb_vat.compact(tenant.vat_number)[:9]}
    )
    assert answer.status_code == 302, answer.content[:500]
    returned = dict(parse_qsl(urlparse(answer["Location"]).query))
    with tenant_context(tenant):
        complete_authorisation(
            tenant=tenant,
            user=user,
            state=returned["state"],
            code=returned["code"],
            error=None,
            redirect_uri=redirect_uri,
        )


@pytest.fixture
def hmrc_a(tenant_a, owner_a, books_a, sandbox_http, settings):
    """Tenant A's books, connected to the sandbox HMRC through the OAuth flow."""
    connect_hmrc(tenant_a, owner_a, site_url=settings.SITE_URL)
    return books_a


# The outbox tests' broker and breaker stand-ins, for the filing tests that dispatch through it.
from tests.outbox.conftest import breaker, broker  # noqa: E402, F401
