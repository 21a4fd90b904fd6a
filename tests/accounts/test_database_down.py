"""A database that does not answer is a 503 that says to try again (JSON on the API), never a 500, and writes nothing.

Found by the chaos experiment postgres-restart: uploads made while PostgreSQL restarted were answered 500.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from apps.documents.models import Document
from tests.documents.samples import image_bytes
from tests.documents.test_api import post_file, token_a  # noqa: F401  (the token fixture)

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def database_down(monkeypatch) -> Iterator[None]:
    """Every new cursor fails as it does while PostgreSQL restarts (the server closed the connection)."""

    def refused(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as patch:
        patch.setattr(BaseDatabaseWrapper, "_cursor", refused)
        yield


def test_an_api_upload_while_the_database_is_down_is_a_json_503_with_retry_after(
    monkeypatch,
    token_a,  # noqa: F811
    tenant_a,
    in_tenant,
):
    client = Client(raise_request_exception=False)
    with database_down(monkeypatch):
        response = post_file(client, token_a, "receipt.png", image_bytes(text="Receipt total 12.00"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "database_unavailable"
    assert "try again" in response.json()["message"]
    with in_tenant(tenant_a):
        assert Document.objects.count() == 0


def test_a_page_while_the_database_is_down_is_a_503_page(monkeypatch, owner_a, tenant_a):
    client = Client(raise_request_exception=False)
    client.force_login(owner_a)
    with database_down(monkeypatch):
        response = client.get(f"/t/{tenant_a.slug}/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "We cannot reach our database just now" in body and "Traceback" not in body


@pytest.mark.urls("tests.urls_with_failures")
def test_a_bug_under_the_api_is_a_json_500():
    response = Client(raise_request_exception=False).get("/api/v1/boom/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
