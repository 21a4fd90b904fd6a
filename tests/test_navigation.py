"""Every link in the portal's and the staff console's navigation opens a page (200), never a 404.

The crawl starts on a business's home page (an owner signed in with 2FA) and
on the staff console (staff signed in with 2FA), reads the links in the page
header (main navigation, business switcher, account menu) and in every
``<nav>`` (the ledger's and VAT's sections), opens each, and reads the
navigation of the pages it reaches in turn.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


class NavLinks(HTMLParser):
    """The hrefs inside <header> and <nav> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("header", "nav"):
            self.depth += 1
        elif tag == "a" and self.depth:
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("header", "nav") and self.depth:
            self.depth -= 1


def nav_links(html: str) -> list[str]:
    parser = NavLinks()
    parser.feed(html)
    return parser.links


def crawl(client, start: str) -> dict[str, int]:
    """Final status of every navigation link reachable from ``start`` (same site only)."""
    seen: dict[str, int] = {}
    todo = [start]
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        response = client.get(path, follow=True)  # a redirect is fine if it ends on a page
        seen[path] = response.status_code
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for href in nav_links(response.content.decode()):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            todo.append(parts.path)
    return seen


def test_every_portal_navigation_link_opens(verified_client, owner_a, tenant_a):
    Tenant.objects.filter(pk=tenant_a.pk).update(status=Tenant.Status.ACTIVE)
    client = verified_client(owner_a)
    seen = crawl(client, reverse("tenancy:home", kwargs={"tenant_slug": tenant_a.slug}))
    slug = f"/t/{tenant_a.slug}/"
    for section in ("", "documents/", "ledger/", "ledger/bank/", "filing/", "filing/settings/", "team/", "settings/"):
        assert slug + section in seen, section
    assert "/accounts/2fa/" in seen
    assert {path: status for path, status in seen.items() if status != 200} == {}


def test_every_staff_console_navigation_link_opens(verified_client, staff_user):
    seen = crawl(verified_client(staff_user), reverse("staff:home"))
    for path in ("/staff/tenants/", "/staff/filing/", "/staff/onboarding/reviews/", "/staff/audit/", "/staff/slo/"):
        assert path in seen, path
    assert {path: status for path, status in seen.items() if status != 200} == {}
