"""The documents list: keyset pages, filters, and search by supplier and number over blind-index tokens."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.pagination import InvalidCursor
from apps.documents.models import Document, DocumentSearchToken, DocumentState
from apps.documents.selectors import DocumentFilters, document_page
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def extraction(supplier: str, number: str = "", vat: str = "", gross: str = "12.00") -> dict:
    return {"supplier_name": {"value": supplier}, "document_number": {"value": number},
            "supplier_vat_number": {"value": vat}, "gross": {"value": gross}}  # fmt: skip


def url(tenant, query=""):
    return f"/t/{tenant.slug}/documents/{query}"


def walk(tenant, filters=None, size=3):
    filters = filters or DocumentFilters()
    seen, cursor = [], None
    while True:
        page = document_page(tenant.pk, filters, cursor=cursor, size=size)
        seen.extend(d.pk for d in page.items)
        if not page.has_next:
            return seen
        cursor = page.next_cursor


def test_pages_walk_every_document_exactly_once_newest_first(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        docs = [DocumentFactory(tenant=tenant_a) for _ in range(10)]
        # Same upload instant for some: the id breaks the tie, nothing is skipped or repeated.
        same = timezone.now() - timedelta(days=1)
        Document.objects.filter(pk__in=[d.pk for d in docs[:4]]).update(uploaded_at=same)
        expected = list(Document.objects.order_by("-uploaded_at", "-id").values_list("pk", flat=True))
        assert walk(tenant_a) == expected


def test_pages_stay_exact_while_documents_are_uploaded_between_pages(tenant_a, in_tenant):
    """Rows inserted while someone pages (newer, so before the cursor) neither shift nor repeat later pages."""
    with in_tenant(tenant_a):
        originals = {DocumentFactory(tenant=tenant_a).pk for _ in range(9)}
        seen, cursor = [], None
        while True:
            page = document_page(tenant_a.pk, DocumentFilters(), cursor=cursor, size=2)
            seen.extend(d.pk for d in page.items)
            DocumentFactory(tenant=tenant_a)  # a new upload lands between every two pages
            if not page.has_next:
                break
            cursor = page.next_cursor
    assert len(seen) == len(set(seen)) and set(seen) == originals


def test_the_list_query_never_selects_the_page_text(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        DocumentFactory(tenant=tenant_a, text="secret page text", extraction=extraction("Quill Stationers"))
        with CaptureQueriesContext(connections["default"]) as queries:
            page = document_page(tenant_a.pk, DocumentFilters())
        assert page.items[0].extraction["supplier_name"]["value"] == "Quill Stationers"
    listed = [q["sql"] for q in queries.captured_queries if '"documents_document"' in q["sql"]]
    assert listed and not any('"documents_document"."text"' in sql for sql in listed)
    assert not any('"documents_document"."classification"' in sql for sql in listed)


def test_search_finds_by_supplier_words_number_and_vat_number(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        quill = DocumentFactory(tenant=tenant_a, extraction=extraction("Quill & Ink Stationers Ltd", "INV-0042",
                                                                       "GB123456789"))  # fmt: skip
        other = DocumentFactory(tenant=tenant_a, extraction=extraction("Harbour Coffee", "R 77"))
        DocumentFactory(tenant=tenant_a)  # nothing extracted yet

        def found(query):
            return set(walk(tenant_a, DocumentFilters(query=query)))

        assert found("quill") == {quill.pk}
        assert found("INK stationers") == {quill.pk}
        assert found("inv0042") == found("INV-0042") == {quill.pk}
        assert found("GB 123 456 789") == found("123456789") == {quill.pk}
        assert found("coffee") == {other.pk}
        assert found("quill coffee") == set()  # every word must match
        assert found("quil") == set()  # whole words only: a blind index has no prefixes
        assert found("!!!") == set()


def test_search_tokens_follow_a_corrected_extraction(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        doc = DocumentFactory(tenant=tenant_a, extraction=extraction("Harbour Coffee"))
        doc = Document.objects.get(pk=doc.pk)
        doc.extraction = extraction("Granary Bakery")
        doc.save(update_fields=["extraction"])
        assert set(walk(tenant_a, DocumentFilters(query="coffee"))) == set()
        assert set(walk(tenant_a, DocumentFilters(query="bakery"))) == {doc.pk}


def test_search_decrypts_nothing_and_selects_no_sealed_column_to_filter(tenant_a, in_tenant, monkeypatch):
    from apps.security_center.crypto import fields

    with in_tenant(tenant_a):
        for n in range(5):
            DocumentFactory(tenant=tenant_a, extraction=extraction(f"Supplier {n}", f"N{n}"))
        opened = []
        original = fields.EncryptedTextField.open
        monkeypatch.setattr(
            fields.EncryptedTextField, "open", lambda self, i, v: opened.append(i.pk) or original(self, i, v)
        )
        with CaptureQueriesContext(connections["default"]) as queries:
            ids = [d.pk for d in Document.objects.filter(pk__in=walk(tenant_a, DocumentFilters(query="n3")))]
    # Only the one matching row could ever be opened (to show it); the search itself is on tokens.
    assert len(ids) == 1 and set(opened) <= set(ids)
    searched = [q["sql"] for q in queries.captured_queries if "documents_documentsearchtoken" in q["sql"]]
    assert searched and all('"extraction" =' not in sql and "LIKE" not in sql for sql in searched)


def test_search_tokens_are_per_tenant(tenant_a, tenant_b, in_tenant):
    with in_tenant(tenant_a):
        DocumentFactory(tenant=tenant_a, extraction=extraction("Quill Stationers", "INV-1"))
        tokens_a = set(DocumentSearchToken.objects.values_list("token", flat=True))
    with in_tenant(tenant_b):
        mine = DocumentFactory(tenant=tenant_b, extraction=extraction("Quill Stationers", "INV-1"))
        tokens_b = set(DocumentSearchToken.objects.values_list("token", flat=True))
        # Tenant B sees only its own tokens (RLS and the scoped manager) and only its own document.
        assert set(walk(tenant_b, DocumentFilters(query="quill"))) == {mine.pk}
    assert tokens_a and tokens_b and not {bytes(t) for t in tokens_a} & {bytes(t) for t in tokens_b}


def test_a_cursor_from_another_list_or_altered_is_refused(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        for _ in range(3):
            DocumentFactory(tenant=tenant_a)
        cursor = document_page(tenant_a.pk, DocumentFilters(), size=1).next_cursor
        for bad in (cursor[:-2] + "xx", "garbage", cursor + "a", "..."):
            with pytest.raises(InvalidCursor):
                document_page(tenant_a.pk, DocumentFilters(), cursor=bad, size=1)


def test_page_filters_by_state_and_upload_date(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        old = DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED)
        new = DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED)
        review = DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW)
        Document.objects.filter(pk=old.pk).update(uploaded_at=timezone.now() - timedelta(days=40))
        today = timezone.localdate()
        assert set(walk(tenant_a, DocumentFilters(state="posted"))) == {old.pk, new.pk}
        assert set(walk(tenant_a, DocumentFilters(uploaded_from=today - timedelta(days=1)))) == {new.pk, review.pk}
        assert set(walk(tenant_a, DocumentFilters(state="posted", uploaded_to=today - timedelta(days=30)))) == {old.pk}


def test_list_page_links_to_older_documents_keeping_the_filters(client, bookkeeper_a, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        for n in range(5):
            DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED, original_filename=f"doc-{n}.pdf")
    client.force_login(bookkeeper_a)
    seen, next_url = set(), url(tenant_a, "?state=posted&size=2")
    while next_url:
        response = client.get(next_url.replace("&amp;", "&"))
        assert response.status_code == 200
        body = response.content.decode()
        seen |= set(re.findall(r"doc-\d\.pdf", body))
        match = re.search(r'href="([^"]+)" rel="next"', body)
        next_url = match.group(1) if match else None
        if next_url:
            assert "state=posted" in next_url and "size=2" in next_url
    assert seen == {f"doc-{n}.pdf" for n in range(5)}


@pytest.mark.parametrize(
    "query", ["?cursor=not-a-cursor", "?size=0", "?size=abc", "?size=100000", "?uploaded_from=2026-13-40",
              "?uploaded_from=2026-02-01&uploaded_to=2026-01-01", "?state=nonsense", f"?q={'x' * 101}"],
)  # fmt: skip
def test_bad_list_input_is_a_clear_400(client, bookkeeper_a, tenant_a, query):
    client.force_login(bookkeeper_a)
    response = client.get(url(tenant_a, query))
    assert response.status_code == 400


def test_search_on_the_page(client, bookkeeper_a, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        DocumentFactory(tenant=tenant_a, original_filename="quill.pdf", extraction=extraction("Quill Stationers"))
        DocumentFactory(tenant=tenant_a, original_filename="coffee.pdf", extraction=extraction("Harbour Coffee"))
    client.force_login(bookkeeper_a)
    body = client.get(url(tenant_a, "?q=harbour")).content.decode()
    assert "coffee.pdf" in body and "quill.pdf" not in body
    assert "No documents match" in client.get(url(tenant_a, "?q=nothing")).content.decode()


# --- the API list ------------------------------------------------------------------------------------


@pytest.fixture
def api_token(tenant_a, bookkeeper_a, in_tenant):
    from apps.tenancy.models import Membership
    from apps.tenancy.services import create_api_token

    with in_tenant(tenant_a):
        membership = Membership.objects.get(user=bookkeeper_a)
        return create_api_token(membership=membership, name="Scanner", actor=bookkeeper_a)[1]


def test_api_list_pages_by_link_header_keeping_the_body_a_list(client, api_token, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        made = {str(DocumentFactory(tenant=tenant_a, extraction=extraction(f"Supplier {n}")).pk) for n in range(5)}
    auth = {"HTTP_AUTHORIZATION": f"Token {api_token}"}
    seen, next_url = [], "/api/v1/documents/?size=2"
    while next_url:
        with CaptureQueriesContext(connections["default"]) as queries:
            response = client.get(next_url, **auth)
        assert response.status_code == 200 and isinstance(response.json(), list)
        assert not any('"documents_document"."text"' in q["sql"] for q in queries.captured_queries)
        seen += [row["id"] for row in response.json()]
        link = response.get("Link")
        next_url = re.match(r"<http://testserver([^>]+)>; rel=\"next\"", link).group(1) if link else None
        assert bool(link) == bool(response.get("X-Next-Cursor"))
    assert sorted(seen) == sorted(made) and len(seen) == 5


def test_api_list_search_and_bad_input(client, api_token, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        DocumentFactory(tenant=tenant_a, extraction=extraction("Quill Stationers", "INV-9"))
        DocumentFactory(tenant=tenant_a, extraction=extraction("Harbour Coffee"))
    auth = {"HTTP_AUTHORIZATION": f"Token {api_token}"}
    found = client.get("/api/v1/documents/?q=inv-9", **auth).json()
    assert [row["supplier"] for row in found] == ["Quill Stationers"]
    for bad in ("cursor=forged", "size=0", "state=nope", "uploaded_from=yesterday"):
        response = client.get(f"/api/v1/documents/?{bad}", **auth)
        assert response.status_code == 400, bad
        assert response.json()["code"] in {"invalid_cursor", "invalid_page_size", "invalid"}


def test_api_list_queries_do_not_grow_with_the_page(
    client, api_token, tenant_a, in_tenant, django_capture_on_commit_callbacks
):
    from tests.helpers import commit_data_keys

    commit_data_keys(tenant_a, django_capture_on_commit_callbacks)  # cached after commit, as in production
    auth = {"HTTP_AUTHORIZATION": f"Token {api_token}"}
    counts = []
    for rows in (1, 8):
        with in_tenant(tenant_a):
            for _ in range(rows):
                DocumentFactory(tenant=tenant_a, extraction=extraction("Quill"))
        client.get("/api/v1/documents/", **auth)  # warm-up (first-hit caches)
        with CaptureQueriesContext(connections["default"]) as queries:
            assert client.get("/api/v1/documents/", **auth).status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], "\n".join(q["sql"][:200] for q in queries.captured_queries)


def test_the_migration_fills_tokens_of_documents_read_before_search_existed(tenant_a, in_tenant):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    fill = importlib.import_module("apps.documents.migrations.0009_fill_search_tokens").fill_search_tokens
    with in_tenant(tenant_a):
        old = DocumentFactory(tenant=tenant_a, extraction=extraction("Granary Bakery", "G-7"))
        DocumentFactory(tenant=tenant_a)  # nothing read: nothing to index
        DocumentSearchToken.objects.all().delete()  # as before migration 0007
        assert walk(tenant_a, DocumentFilters(query="bakery")) == []
    fill(apps, SimpleNamespace(connection=connection))
    fill(apps, SimpleNamespace(connection=connection))  # resumable: a second run adds nothing
    with in_tenant(tenant_a):
        assert walk(tenant_a, DocumentFilters(query="bakery")) == [old.pk]
        assert walk(tenant_a, DocumentFilters(query="g7")) == [old.pk]
        assert DocumentSearchToken.objects.count() == len({"granary", "bakery", "g7", "the total 12.00"})
