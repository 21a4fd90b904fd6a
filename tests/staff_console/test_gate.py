"""The console's one gate: every URL under /staff/ refuses anyone but 2FA-verified staff.

The patterns are walked from the project's root URLconf, so a page mounted
under /staff/ by any route (not only through apps.staff_console.urls) is
checked, and a new page needs no test of its own to be covered.
"""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, SlugConverter, UUIDConverter

from apps.staff_console.gate import is_console_user
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SAMPLES = {UUIDConverter: uuid.UUID(int=7), SlugConverter: "hmrc", IntConverter: 1}


def _walk(patterns, prefix: str = "", namespace: str = "", converters=None):
    """(route, view name, callback, sample kwargs) for every URLPattern below ``patterns``."""
    for entry in patterns:
        found = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            yield from _walk(entry.url_patterns, route, inner, found)
        elif isinstance(entry, URLPattern):
            kwargs = {key: SAMPLES.get(type(conv), "x") for key, conv in found.items()}
            name = f"{namespace}:{entry.name}".strip(":") if entry.name else None
            yield route, name, entry.callback, kwargs


def staff_pages() -> list[tuple[str, str | None, object, dict]]:
    return [page for page in _walk(get_resolver().url_patterns) if page[0].startswith("staff/")]


def _url(name, kwargs) -> str:
    url = reverse(name, kwargs=kwargs)
    assert url.startswith("/staff/")
    return url


def test_the_walk_finds_every_console_area():
    names = {name for _, name, _, _ in staff_pages()}
    assert {"staff:home", "staff:tenants", "staff:audit", "staff:tenant-audit", "staff:components"} <= names
    assert {"staff-filing:home", "onboarding-staff:reviews", "slo:dashboard", "slo:run-checks"} <= names
    assert all(name for name in names), "every console page is named (templates and tests reverse them)"


def _page_id(value) -> str:
    """A view by its name, not its repr (which holds a memory address: pytest-xdist workers must agree on ids)."""
    return getattr(value, "__qualname__", str(value))


@pytest.mark.parametrize(("route", "name", "callback", "kwargs"), staff_pages(), ids=_page_id)
def test_every_console_view_is_behind_the_gate(route, name, callback, kwargs):
    assert getattr(callback, "console_gated", False), f"{route} is not behind apps.staff_console.gate"


def _call(callback, user, kwargs, method: str):
    request = getattr(RequestFactory(), method)("/staff/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = user
    return callback(request, **kwargs)


@pytest.mark.parametrize(("route", "name", "callback", "kwargs"), staff_pages(), ids=_page_id)
def test_the_gate_itself_refuses_non_staff_and_unverified_staff(route, name, callback, kwargs, staff_user):
    """Called directly (no 2FA middleware in front): only a verified staff session passes."""
    staff_user.is_verified = lambda: False
    member = UserFactory()
    member.is_verified = lambda: True
    for user in (staff_user, member):
        assert not is_console_user(user)
        for method in ("get", "post"):
            with pytest.raises(PermissionDenied):
                _call(callback, user, kwargs, method)
    response = _call(callback, AnonymousUser(), kwargs, "get")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_through_the_stack_non_staff_get_403_and_unverified_staff_are_sent_to_2fa(
    client, verified_client, staff_user, owner_a
):
    pages = [(_url(name, kwargs)) for _, name, _, kwargs in staff_pages()]
    owner = verified_client(owner_a)  # a verified owner of a business: not staff
    for url in pages:
        assert owner.get(url).status_code == 403, url
        assert owner.post(url).status_code == 403, url
    owner.logout()
    client.force_login(staff_user)  # staff, never verified this session
    for url in pages:
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 302 and "/accounts/2fa/" in response["Location"], url
