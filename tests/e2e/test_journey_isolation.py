"""Journey 5: a person of business B cannot reach business A's pages by typing their addresses.

Every address gives the same "Page not found" as a business that does not
exist (a URL never tells whether another business exists), and nothing of A's
appears on the page.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.pages import sign_in
from tests.factories import DocumentFactory


def test_a_member_of_b_gets_not_found_for_every_page_of_a(page: Page, seeded):
    tenant_a, owner_a = seeded.business("Aldgate Joinery Ltd")
    tenant_b, owner_b = seeded.business("Bramley Florists Ltd")
    secret_doc = DocumentFactory(
        tenant=tenant_a, original_filename="aldgate-secret-invoice.pdf", uploaded_by=owner_a.user
    )

    sign_in(page, owner_b)
    page.goto(f"/t/{tenant_b.slug}/")
    expect(page.get_by_role("heading", name="Bramley Florists Ltd", level=1)).to_be_visible()

    a_pages = [
        f"/t/{tenant_a.slug}/",
        f"/t/{tenant_a.slug}/team/",
        f"/t/{tenant_a.slug}/settings/",
        f"/t/{tenant_a.slug}/documents/",
        f"/t/{tenant_a.slug}/documents/{secret_doc.pk}/",
        f"/t/{tenant_a.slug}/documents/{secret_doc.pk}/review/",
        f"/t/{tenant_a.slug}/documents/{secret_doc.pk}/file/",
        f"/t/{tenant_a.slug}/ledger/",
        f"/t/{tenant_a.slug}/ledger/journal/",
        f"/t/{tenant_a.slug}/ledger/accounts/",
        # A's object through B's own address: the object is not found in B either.
        f"/t/{tenant_b.slug}/documents/{secret_doc.pk}/",
        f"/t/{tenant_b.slug}/documents/{secret_doc.pk}/file/",
    ]
    for path in a_pages:
        response = page.goto(path)
        assert response is not None and response.status == 404, f"{path} answered {response and response.status}"
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
        content = page.content()
        assert "Aldgate" not in content, f"{path} shows something of business A"
        assert "aldgate-secret-invoice" not in content

    # A business that does not exist looks exactly the same.
    response = page.goto("/t/no-such-business-anywhere/documents/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
