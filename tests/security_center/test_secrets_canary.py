"""The canary scan: random secrets planted in the provider never come out of the application.

Every secret the application reads gets a fresh random value for this run.
The test then exercises the app (pages that succeed, 4xx and 500 error pages,
the settings table of the DEBUG error page, integration calls with good and refused keys, a
rotation and its audit row, a secrets-backend outage, the /metrics
exposition, logs at DEBUG) and scans everything that came out, plus the
repository's tracked files, any .env file and the keystore file, for the
canary values and their common encodings. It must find nothing.
"""

from __future__ import annotations

import base64
import io
import logging
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.urls import include, path, reverse
from django.views.debug import technical_500_response
from django.views.decorators.debug import sensitive_variables

from apps.audit.models import PLATFORM_CHAIN, AuditEvent
from apps.core.db_tenant import db_tenant
from apps.integrations import bank_feed, companies_house
from apps.integrations.hmrc import credentials as hmrc_credentials
from apps.security_center.checks import run_checks
from apps.security_center.secrets import SecretUnavailable, bootstrap, use_provider
from apps.security_center.secrets.provider import SecretsProvider
from apps.security_center.secrets.rotation import rotate_secret
from tests.security_center.secrets_helpers import Clock, local_provider
from tests.security_center.test_secrets_provider import FlakyBackend

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("secret_key", "database_password", "hmrc_client_secret", "companies_house_api_key", "bank_feed_api_key")
MAX_FILE_BYTES = 2_000_000


@sensitive_variables("key")
def _boom(request):
    """A view that holds a credential in a local when it fails (the 500 pages and the log must not show it)."""
    key = bank_feed.api_key()
    assert key
    raise RuntimeError("the view failed after reading a credential")


def _debug_settings_page():
    """Django's DEBUG error page for an exception raised here (no secret in this frame), with its settings table."""
    request = HttpRequest()
    request.META.update({"SERVER_NAME": "testserver", "SERVER_PORT": "80"})
    try:
        raise RuntimeError("settings page")
    except RuntimeError:
        return technical_500_response(request, *sys.exc_info())


urlpatterns = [path("canary-boom/", _boom), path("", include("config.urls"))]


def _forms(value: str) -> set[str]:
    """The value and the encodings it could leak in (URL, base64, hex, repr)."""
    raw = value.encode()
    return {value, quote(value, safe=""), base64.b64encode(raw).decode(), raw.hex(), repr(value)[1:-1]}


class Scanner:
    def __init__(self, canaries: dict[str, str]) -> None:
        self.patterns = {form: name for name, value in canaries.items() for form in _forms(value)}
        self.findings: list[str] = []

    def scan(self, where: str, text: str | bytes) -> None:
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        for form, name in self.patterns.items():
            if form in text:
                self.findings.append(f"{name} in {where}")


@pytest.fixture
def canaries(tmp_path, settings, monkeypatch):
    """Random values for every secret, in a provider of their own; SECRET_KEY and its fallback set from it."""
    for env_name in ("HMRC_CLIENT_SECRET", "COMPANIES_HOUSE_API_KEY", "BANK_FEED_API_KEY"):
        monkeypatch.delenv(env_name, raising=False)
    provider = local_provider(tmp_path, ttl=60, grace=120, clock=Clock())
    values = {name: f"canary-{name}-{secrets.token_urlsafe(24)}" for name in NAMES}
    for name, value in values.items():
        provider.backend.write(name, value)
    old_key = values["secret_key"]
    values["secret_key_previous"] = old_key
    provider.backend.write("secret_key", values.setdefault("secret_key_new", f"canary-sk-{secrets.token_urlsafe(40)}"))
    with use_provider(provider):
        settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = bootstrap.secret_key_from(
            provider, max_fallback_age=timedelta(days=14)
        )
        monkeypatch.setitem(settings.DATABASES["default"], "PASSWORD", values["database_password"])
        yield provider, values


def test_no_canary_leaves_the_application(canaries, client, bookkeeper_a, tenant_a, sandbox_http, settings, caplog):
    provider, values = canaries
    scanner = Scanner(values)
    caplog.set_level(logging.DEBUG)
    # The project's own log rendering (structlog console or JSON), into a buffer this test scans.
    rendered = logging.StreamHandler(io.StringIO())
    rendered.setLevel(logging.DEBUG)
    rendered.setFormatter(next((h.formatter for h in logging.getLogger().handlers if h.formatter), None))
    logging.getLogger().addHandler(rendered)
    request_finished = rendered  # removed at the end
    settings.ROOT_URLCONF = __name__
    responses = []

    # Integration calls that use each credential: accepted by the sandbox, then refused with a wrong key.
    assert bank_feed.list_accounts()
    assert sandbox_http.requests[-1].headers["X-API-Key"] == values["bank_feed_api_key"]  # it was really used
    assert companies_house.get_company_profile("09876543").company_number == "09876543"
    assert hmrc_credentials.client_secret() == values["hmrc_client_secret"]
    responses.append(client.get("/sandbox/bank/accounts", HTTP_X_API_KEY="not-the-key"))
    assert responses[-1].status_code == 401

    # Pages: signed in and succeeding, 404, 405, 403, a refused sign-in, and a 500 without and with DEBUG.
    client.force_login(bookkeeper_a)
    responses.append(client.get(reverse("tenancy:home", kwargs={"tenant_slug": tenant_a.slug})))
    assert responses[-1].status_code == 200
    responses.append(client.get("/no-such-page/"))
    responses.append(client.get(reverse("accounts:logout")))
    responses.append(client.get("/staff/"))
    assert {r.status_code for r in responses[-3:]} <= {302, 403, 404, 405}
    responses.append(Client().post(reverse("accounts:login"), {"username": "x@example.com", "password": "wrong"}))
    failing = Client(raise_request_exception=False)
    failing.force_login(bookkeeper_a)
    responses.append(failing.get("/canary-boom/"))
    assert responses[-1].status_code == 500
    # DEBUG=True pages show every frame's locals by design (Django's filter is off under DEBUG), which is why
    # production refuses DEBUG (check --deploy); what must hold under DEBUG too is the settings table.
    settings.DEBUG = True
    debug_page = _debug_settings_page()
    assert b"SECRET_KEY" in debug_page.content  # the settings table is on the page, values masked
    responses.append(debug_page)
    settings.DEBUG = False

    # A rotation (audit row), a backend outage past the grace (errors and logs), the checks, /metrics.
    rotate_secret("bank_feed_api_key", value=values.setdefault("rotated", f"canary-r-{secrets.token_urlsafe(24)}"))
    flaky = FlakyBackend(provider.backend)
    down = SecretsProvider(flaky, ttl=0, grace=0)
    with use_provider(down):
        down.get("bank_feed_api_key")
        flaky.down = True
        with pytest.raises(SecretUnavailable) as caught:
            bank_feed.api_key()
        scanner.scan("SecretUnavailable", f"{caught.value!s} {caught.value!r} {caught.value.extra}")
    checks = run_checks()
    scanner.scan("security center checks", repr([(c.id, r) for c, r in checks]))
    metrics = client.get("/metrics")
    assert b"strongroom_secret_age_seconds" in metrics.content
    responses.append(metrics)

    scanner = Scanner(values)  # rebuilt: "rotated" was added above
    scanned: list = []
    for response in responses:
        scanner.scan(f"response {len(scanned)} ({response.status_code})", response.content)
        scanned.append(response)
        scanner.scan("response headers", repr(sorted(response.items())))
    scanner.scan("captured logs", caplog.text)
    rendered.flush()
    assert "external_call" in rendered.stream.getvalue()
    scanner.scan("log lines as the project's handlers render them", rendered.stream.getvalue())
    scanner.scan("log records", repr([(r.getMessage(), r.args, getattr(r, "exc_text", "")) for r in caplog.records]))
    chains = {PLATFORM_CHAIN, tenant_a.id}
    for chain in chains:  # each chain is readable only in its own context on PostgreSQL (RLS)
        with db_tenant(chain):
            events = list(AuditEvent.objects.filter(chain=chain))
            for event in events:
                scanner.scan(f"audit event {event.action}", f"{event.body} {event.actor_label} {event.target_id}")
            with connection.cursor() as cursor:  # every audit column, raw
                cursor.execute("SELECT * FROM audit_auditevent")
                scanner.scan("audit table", repr(cursor.fetchall()))
        if chain == PLATFORM_CHAIN:
            assert any(e.action == "security_center.secret.rotated" for e in events)  # the scan saw the rotation
    scanner.scan("keystore file", provider.backend.path.read_bytes())
    logging.getLogger().removeHandler(request_finished)
    assert scanner.findings == [], scanner.findings


def _tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in listed.decode().split("\0") if name]


def test_no_canary_or_live_secret_in_tracked_files_or_env_files(canaries, settings):
    """The repository (every tracked file) and any .env file hold neither this run's canaries nor the live secrets."""
    _provider, values = canaries
    live = {f"live {name}": value for name, value in _live_values().items()}
    scanner = Scanner({**values, **live})
    files = _tracked_files() + [p for p in ROOT.rglob(".env*") if ".venv" not in p.parts and p.is_file()]
    assert len(files) > 100
    for file in files:
        if file.is_file() and file.stat().st_size <= MAX_FILE_BYTES:
            scanner.scan(str(file.relative_to(ROOT)), file.read_bytes())
    assert scanner.findings == [], scanner.findings


def _live_values() -> dict[str, str]:
    """The values the test settings' own provider holds: they must not be in the repository either."""
    from config.settings import _secrets_provider as settings_provider

    return {name: settings_provider.get(name) for name in settings_provider.backend.names()}


def test_the_scanner_finds_a_canary_in_each_encoding():
    """The control: a scan that cannot find anything would pass for the wrong reason."""
    value = f"canary-{secrets.token_urlsafe(24)}"
    for leaked in _forms(value):
        scanner = Scanner({"x": value})
        scanner.scan("somewhere", f"before {leaked} after".encode())
        assert scanner.findings == ["x in somewhere"]
