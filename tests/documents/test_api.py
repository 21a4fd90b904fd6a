"""The HTTP API: a token names its business; refusals are JSON 4xx with nothing stored."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.documents.models import Document
from apps.tenancy.models import ApiToken, Membership, Role
from apps.tenancy.services import create_api_token, revoke_api_token
from tests.documents.samples import image_bytes, pdf_bytes
from tests.factories import DocumentFactory
from tests.helpers import audit_actions

pytestmark = pytest.mark.django_db
API = "/api/v1/documents/"


@pytest.fixture(autouse=True)
def no_processing(monkeypatch):
    from apps.documents.services import upload as upload_service

    monkeypatch.setattr(upload_service, "enqueue_processing", lambda run: None)


@pytest.fixture
def token_a(bookkeeper_a, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        _, key = create_api_token(membership=Membership.objects.get(user=bookkeeper_a), name="Scanner",
                                  actor=bookkeeper_a)  # fmt: skip
    return key


def auth(key):
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def post_file(client, key, name, content):
    return client.post(API, {"file": SimpleUploadedFile(name, content)}, **auth(key))


def test_upload_with_a_token_lands_in_the_tokens_business(client, token_a, tenant_a, in_tenant):
    response = post_file(client, token_a, "r.pdf", pdf_bytes(["Fictitious Fuels Ltd"]))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "received" and body["pages"] == 1
    with in_tenant(tenant_a):
        assert Document.objects.get(pk=body["id"]).source == "api"
    assert client.get(f"{API}{body['id']}/", **auth(token_a)).json()["id"] == body["id"]
    assert [d["id"] for d in client.get(API, **auth(token_a)).json()] == [body["id"]]
    assert "tenancy.api_token.created" in audit_actions(tenant_a.pk)


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"plain text", "unsupported_type"), (pdf_bytes(encrypt="pw"), "encrypted_pdf"), (b"", "empty")],
)
def test_refusals_are_json_400_and_store_nothing(client, token_a, tenant_a, in_tenant, content, code):
    response = post_file(client, token_a, "bad.pdf", content)
    assert response.status_code == 400
    assert response.json()["code"] in {code, "no_file"}
    with in_tenant(tenant_a):
        assert Document.objects.count() == 0


def test_missing_file_field_is_400(client, token_a):
    response = client.post(API, {}, **auth(token_a))
    assert response.status_code == 400 and response.json()["code"] == "no_file"


def test_a_duplicate_is_409_naming_the_original(client, token_a, tenant_a, in_tenant):
    content = image_bytes("PNG", text="Once")
    first = post_file(client, token_a, "once.png", content).json()
    response = post_file(client, token_a, "twice.png", content)
    assert response.status_code == 409 and response.json()["extra"]["duplicate_of"] == first["id"]
    with in_tenant(tenant_a):
        assert Document.objects.count() == 1


def test_a_token_cannot_reach_another_tenants_document(client, token_a, tenant_b):
    theirs = DocumentFactory(tenant=tenant_b)
    assert client.get(f"{API}{theirs.pk}/", **auth(token_a)).status_code == 404
    assert client.get(API, **auth(token_a)).json() == []


@pytest.mark.parametrize("header", ["Token nope", "Token", "Token a b"])
def test_bad_tokens_are_401(client, header):
    assert client.get(API, HTTP_AUTHORIZATION=header).status_code == 401


def test_no_credentials_is_401_or_403(client):
    assert client.get(API).status_code in {401, 403}


def test_a_revoked_token_stops_working(client, token_a, tenant_a, bookkeeper_a, in_tenant):
    with in_tenant(tenant_a):
        revoke_api_token(token=ApiToken.objects.get(), actor=bookkeeper_a)
    assert client.get(API, **auth(token_a)).status_code == 401
    assert audit_actions(tenant_a.pk)[-1] == "tenancy.api_token.revoked"


def test_removing_the_membership_removes_its_tokens(client, token_a, bookkeeper_a):
    Membership.objects.filter(user=bookkeeper_a).delete()
    assert client.get(API, **auth(token_a)).status_code == 401


def test_viewer_tokens_cannot_upload(client, tenant_a, in_tenant):
    from tests.conftest import make_member

    viewer = make_member(tenant_a, Role.VIEWER)
    with in_tenant(tenant_a):
        _, key = create_api_token(membership=Membership.objects.get(user=viewer), name="ro", actor=viewer)
    assert post_file(client, key, "a.png", image_bytes("PNG")).status_code == 403


def test_session_auth_names_the_business_in_a_header(client, bookkeeper_a, tenant_a, tenant_b):
    client.force_login(bookkeeper_a)
    assert client.get(API).status_code == 400
    assert client.get(API, HTTP_X_STRONGROOM_TENANT=tenant_a.slug).status_code == 200
    assert client.get(API, HTTP_X_STRONGROOM_TENANT=tenant_b.slug).status_code == 404


def test_session_upload_needs_the_csrf_token(bookkeeper_a, tenant_a):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(bookkeeper_a)
    response = strict.post(API, {"file": SimpleUploadedFile("a.png", image_bytes("PNG"))},
                           HTTP_X_STRONGROOM_TENANT=tenant_a.slug)  # fmt: skip
    assert response.status_code == 403


def test_the_openapi_schema_describes_the_upload(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/documents/" in response.content.decode()


def test_members_manage_their_own_tokens_in_the_portal(client, bookkeeper_a, owner_a, tenant_a, in_tenant):
    client.force_login(bookkeeper_a)
    page = f"/t/{tenant_a.slug}/api-tokens/"
    assert client.post(page, {"name": " "}).status_code == 400
    response = client.post(page, {"name": "Office scanner"})
    key = response.context["new_key"]
    assert key.startswith("sr_") and key in response.content.decode()
    assert client.get(API, **auth(key)).status_code == 200
    assert key not in client.get(page).content.decode(), "the key is shown once"
    with in_tenant(tenant_a):
        token = ApiToken.objects.get()
        owners_token, _ = create_api_token(membership=Membership.objects.get(user=owner_a), name="x", actor=owner_a)
    assert client.post(f"{page}{owners_token.pk}/revoke/").status_code == 404, "not someone else's token"
    assert client.post(f"{page}{token.pk}/revoke/").status_code == 302
    assert client.get(API, **auth(key)).status_code == 401
