"""One upload entry point: the documents page, the API and onboarding's documents step refuse each limit
with the same status and the same words, and a refused upload writes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape

from apps.documents.models import Document
from apps.onboarding.models import Step
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership
from apps.tenancy.services import create_api_token
from tests.documents.samples import pdf_bytes
from tests.onboarding.conftest import (  # noqa: F401  (fixtures, for the onboarding path)
    advance,
    companies_house,
    hmrc,
    new_business,
    obligations,
    owner,
    owner_client,
    progress_of,
    url,
)

pytestmark = pytest.mark.django_db

LIMITS = {
    "too_large": (lambda: b"%PDF-1.7\n" + b"0" * 1_600_000, "The file is 2 MB; the limit is 1 MB."),
    "unsupported_type": (
        lambda: b"plain text, not a document",
        "This is not a PDF, PNG, JPEG or TIFF file (judged by its content, not its name).",
    ),
    "empty": (lambda: b"", "The file is empty."),
    "too_many_pages": (
        lambda: pdf_bytes(pages=3),
        "This PDF has 3 pages; the limit is 2. Split it and upload the parts.",
    ),
}


@pytest.fixture(autouse=True)
def small_limits(settings, monkeypatch):
    from apps.documents.services import upload as upload_service

    settings.DOCUMENT_MAX_BYTES = 1_000_000
    settings.DOCUMENT_MAX_PAGES = 2
    settings.DOCUMENT_MAX_FILES_PER_UPLOAD = 2
    monkeypatch.setattr(upload_service, "enqueue_processing", lambda run: None)


@pytest.fixture
def portal(bookkeeper_a, tenant_a):
    client = Client()
    client.force_login(bookkeeper_a)

    def post(*files: tuple[str, bytes]):
        data = {"files": [SimpleUploadedFile(name, content) for name, content in files]}
        return client.post(f"/t/{tenant_a.slug}/documents/upload/", data)

    return post


@pytest.fixture
def api(bookkeeper_a, tenant_a):
    client = Client()
    with tenant_context(tenant_a):
        _, key = create_api_token(membership=Membership.objects.get(user=bookkeeper_a), name="Scanner",
                                  actor=bookkeeper_a)  # fmt: skip

    def post(name: str, content: bytes):
        data = {"file": SimpleUploadedFile(name, content)}
        return client.post("/api/v1/documents/", data, HTTP_AUTHORIZATION=f"Token {key}")

    return post


@pytest.fixture
def onboarding(request):
    """Posts to the documents step of a business in onboarding (the onboarding tests' fixtures)."""
    client, step_url = request.getfixturevalue("owner_client"), request.getfixturevalue("url")
    request.getfixturevalue("advance")(Step.DOCUMENTS)

    def post(*files: tuple[str, bytes]):
        data = {"files": [SimpleUploadedFile(name, content) for name, content in files]}
        return client.post(step_url("documents-upload"), data)

    return post


def nothing_written(*tenants, media_root) -> bool:
    for tenant in tenants:
        with tenant_context(tenant):
            if Document.objects.exists():
                return False
    return not (media_root.exists() and any(p.is_file() for p in media_root.rglob("*")))


@pytest.mark.parametrize("limit", list(LIMITS))
def test_each_limit_answers_the_same_on_the_page_the_api_and_onboarding(
    limit, portal, api, onboarding, tenant_a, media_root, request
):
    business = request.getfixturevalue("new_business")
    make, message = LIMITS[limit]
    name = f"{limit}.pdf"

    by_api = api(name, make())
    assert by_api.status_code == 400, by_api.content
    assert (by_api.json()["code"], by_api.json()["message"]) == (limit, message)

    by_page = portal((name, make()))
    assert by_page.status_code == 400
    assert escape(f"{name}: {message}") in by_page.content.decode()

    by_onboarding = onboarding((name, make()))
    assert by_onboarding.status_code == 400
    assert escape(f"{name}: {message}") in by_onboarding.content.decode()

    assert nothing_written(tenant_a, business, media_root=media_root)
    assert not progress_of(business).is_completed(Step.DOCUMENTS)


def test_no_file_and_too_many_files_are_refused_alike_on_the_page_and_in_onboarding(
    portal, onboarding, tenant_a, media_root, request
):
    business = request.getfixturevalue("new_business")
    for post in (portal, onboarding):
        response = post()
        assert response.status_code == 400 and "Choose at least one file to upload." in response.content.decode()
        three = [(f"{n}.pdf", pdf_bytes([f"Receipt {n}"])) for n in range(3)]
        response = post(*three)
        assert response.status_code == 400 and "Upload at most 2 files at a time." in response.content.decode()
    assert nothing_written(tenant_a, business, media_root=media_root)


def test_one_good_file_among_refused_ones_is_stored_and_the_refusals_are_named(portal, tenant_a):
    response = portal(("good.pdf", pdf_bytes(["Fictitious Fuels Ltd"])), ("bad.txt", b"hello"))
    assert response.status_code == 302
    with tenant_context(tenant_a):
        assert list(Document.objects.values_list("original_filename", flat=True)) == ["good.pdf"]
