"""Every URL pattern, filled with valid and hostile values, never answers 5xx.

The patterns come from the live URLconf (walked recursively), so a new view is
fuzzed the day it is added. Each converter gets a valid value, then a NUL, a
10 kB value and bytes that are not UTF-8; the query string and a handful of
common form fields get the same. GET and POST, as an anonymous visitor and as
a signed-in owner with 2FA. Hostile text must be a 400 from the request guard
(apps/tenancy/guard.py) before any view runs. Run it on PostgreSQL too: a NUL
reaching a query is a 500 there (12 endpoints before the guard) and stored
silently on SQLite.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from apps.tenancy.models import Role
from tests.conftest import make_member

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # about 45 s: the slow tier

CONVERTER = re.compile(r"<(?:(?P<kind>[a-z]+):)?(?P<name>\w+)>")
NUL = "%00"
LONG = "a" * 10_000
NOT_UTF8 = "%FF%FE%C3"
HOSTILE = {"nul": NUL, "long": LONG, "not_utf8": NOT_UTF8}
FORM_FIELDS = ("name", "next", "q", "reason", "email", "code", "state", "action", "token", "description")


def _routes(resolvers=None, prefix: str = "") -> list[str]:
    """Every route as a string with its converters, e.g. ``t/<slug:tenant_slug>/ledger/accounts/<str:code>/``."""
    out = []
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        pattern = entry.pattern
        route = getattr(pattern, "_route", None)
        if route is None:  # a regular expression (the admin's app index): fill its one group by hand
            regex = pattern.regex.pattern.lstrip("^").rstrip("$").replace("\\Z", "")
            route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<str:\1>", regex).replace("\\", "")
        if isinstance(entry, URLResolver):
            out.extend(_routes(entry.url_patterns, prefix + route))
        elif isinstance(entry, URLPattern):
            out.append(prefix + route)
    return sorted(set(out))


def _valid(kind: str | None, name: str, tenant_slug: str) -> str:
    if name == "tenant_slug":
        return tenant_slug
    return {"uuid": str(uuid.uuid4()), "int": "1", "slug": "fuzz-slug", "path": "fuzz/path"}.get(kind or "str", "fuzz")


def _fill(route: str, tenant_slug: str, hostile: tuple[str, str] | None = None) -> str:
    """The route with valid values, except the converter named ``hostile[0]`` which gets ``hostile[1]``."""

    def value(match: re.Match) -> str:
        if hostile and match["name"] == hostile[0]:
            return hostile[1]
        return quote(_valid(match["kind"], match["name"], tenant_slug), safe="/")

    return "/" + CONVERTER.sub(value, route)


def _requests(route: str, tenant_slug: str):
    """(method, url, form) triples for one route: valid, then each hostile value in each place."""
    url = _fill(route, tenant_slug)
    yield "GET", url, None
    yield "POST", url, {}
    for label, bad in HOSTILE.items():
        for match in CONVERTER.finditer(route):
            hostile_url = _fill(route, tenant_slug, (match["name"], bad))
            yield "GET", hostile_url, None
            yield "POST", hostile_url, {}
        yield "GET", f"{url}?{'&'.join(f'{f}={bad}' for f in FORM_FIELDS)}", None
        if label != "not_utf8":  # the test client encodes form values as UTF-8; raw bytes are in the body test
            yield "POST", url, {f: bad.replace(NUL, "\x00") for f in FORM_FIELDS}
    yield "POST", url, "not_utf8_body"


def _send(client: Client, method: str, url: str, form):
    if method == "GET":
        return client.get(url)
    if form == "not_utf8_body":
        return client.post(url, data=b"name=%FF%FE&next=%C3", content_type="application/x-www-form-urlencoded")
    return client.post(url, form)


def _owner_client(tenant) -> Client:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    owner = make_member(tenant, Role.OWNER)
    device = TOTPDevice.objects.create(user=owner, name="fuzz", confirmed=True)
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def test_the_walk_finds_every_part_of_the_portal():
    routes = _routes()
    assert len(routes) > 150
    for part in ("t/<slug:tenant_slug>/documents/", "t/<slug:tenant_slug>/ledger/", "api/v1/documents/", "admin/"):
        assert any(r.startswith(part) for r in routes), part


@pytest.mark.parametrize("principal", ["anonymous", "owner"])
def test_no_url_pattern_answers_5xx_to_valid_or_hostile_values(principal, tenant_a, sandbox_http, caplog):
    """The sandbox answers for HMRC, Companies House and the bank, so a 5xx is ours, not a missing upstream."""
    caplog.set_level("ERROR", logger="django.request")  # thousands of expected 4xx warnings otherwise
    failures = []
    for route in _routes():
        client = _owner_client(tenant_a) if principal == "owner" else Client(raise_request_exception=False)
        for method, url, form in _requests(route, tenant_a.slug):
            status = _send(client, method, url, form).status_code
            if status >= 500:
                failures.append(f"{status} {method} {url[:120]} {str(form)[:40]}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/t/{slug}/ledger/accounts/%00/", None),
        ("/accounts/login/?next=%00", None),
        ("/t/{slug}/", {"name": "Token\x00"}),
        ("/t/{slug}/%FF/", None),
    ],
)
def test_hostile_text_is_a_clear_400_before_any_view(path, form, tenant_a):
    client = _owner_client(tenant_a)
    url = path.format(slug=tenant_a.slug)
    response = client.post(url, form) if form is not None else client.get(url)
    assert response.status_code == 400
    assert "characters that are not allowed" in response.content.decode()


def test_hostile_json_to_the_api_is_a_json_400(tenant_a):
    response = Client().post("/api/v1/documents/", data=b'{"name": "a\\u0000"}', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_input"
