"""Rotation without downtime: SECRET_KEY via its fallbacks, third-party keys after the TTL; audit, metric, checks."""

from __future__ import annotations

import io
import json
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.management import CommandError, call_command
from django.urls import reverse
from prometheus_client import REGISTRY, generate_latest

from apps.audit.labels import describe
from apps.audit.models import PLATFORM_CHAIN, AuditEvent
from apps.core.db_tenant import db_tenant
from apps.integrations import bank_feed, companies_house
from apps.integrations.hmrc import credentials as hmrc_credentials
from apps.security_center.checks import Status, all_checks
from apps.security_center.secrets import bootstrap, use_provider
from apps.security_center.secrets.backends.env import EnvBackend
from apps.security_center.secrets.backends.vault import VaultKV
from apps.security_center.secrets.checks import age_check, backend_check
from apps.security_center.secrets.provider import SecretsProvider
from apps.security_center.secrets.rotation import AUDIT_ACTION, RotationRefused, rotate_secret
from apps.security_center.vault import VaultConfig, VaultSession
from tests.security_center.secrets_helpers import Clock, local_provider
from tests.security_center.test_secrets_provider import FlakyBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(tmp_path):
    provider = local_provider(tmp_path, ttl=60, grace=120)
    bootstrap.seed_local(provider)
    with use_provider(provider):
        yield provider


def _rotations(name: str) -> float:
    value = REGISTRY.get_sample_value("strongroom_secret_rotations_total", {"secret": name, "backend": "local"})
    return value or 0.0


def _apply_secret_key(settings, provider) -> None:
    """What a restart does: settings read SECRET_KEY and its fallbacks from the provider again."""
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = bootstrap.secret_key_from(
        provider, max_fallback_age=timedelta(days=14)
    )


def test_secret_key_rotation_keeps_sessions_and_reset_tokens(client, settings, provider, bookkeeper_a, tenant_a):
    _apply_secret_key(settings, provider)
    client.force_login(bookkeeper_a)
    home = reverse("tenancy:home", kwargs={"tenant_slug": tenant_a.slug})
    assert client.get(home).status_code == 200
    token = default_token_generator.make_token(bookkeeper_a)
    old_key = settings.SECRET_KEY

    rotation = rotate_secret("secret_key", provider=provider, actor_label="test")
    _apply_secret_key(settings, provider)
    assert old_key != settings.SECRET_KEY and [old_key] == settings.SECRET_KEY_FALLBACKS
    assert rotation.fallbacks_kept == 1
    assert client.get(home).status_code == 200  # still signed in
    assert default_token_generator.check_token(bookkeeper_a, token)  # the reset link still works

    settings.SECRET_KEY_FALLBACKS = []  # once the fallback has aged out, old signatures stop verifying
    assert not default_token_generator.check_token(bookkeeper_a, token)


def test_the_session_is_lost_without_the_fallback(client, settings, provider, bookkeeper_a, tenant_a):
    """The control for the test above: the fallback, not luck, is what keeps the session."""
    _apply_secret_key(settings, provider)
    client.force_login(bookkeeper_a)
    rotate_secret("secret_key", provider=provider)
    settings.SECRET_KEY = provider.get("secret_key")
    settings.SECRET_KEY_FALLBACKS = []
    response = client.get(reverse("tenancy:home", kwargs={"tenant_slug": tenant_a.slug}))
    assert response.status_code == 302 and "/accounts/" in response["Location"]


@pytest.mark.parametrize(
    "name, getter, env_name",
    [
        ("bank_feed_api_key", bank_feed.api_key, "BANK_FEED_API_KEY"),
        ("companies_house_api_key", companies_house.api_key, "COMPANIES_HOUSE_API_KEY"),
        ("hmrc_client_secret", hmrc_credentials.client_secret, "HMRC_CLIENT_SECRET"),
    ],
)
def test_third_party_credentials_switch_after_the_ttl(tmp_path, monkeypatch, name, getter, env_name):
    monkeypatch.delenv(env_name, raising=False)
    clock = Clock()
    provider = local_provider(tmp_path, ttl=60, grace=120, clock=clock)
    bootstrap.seed_local(provider)
    with use_provider(provider):
        old = getter()
        assert old == provider.backend.read(name).current.value
        # Another process (the operator's rotate_secret) writes the new version.
        other = SecretsProvider(provider.backend, ttl=60, grace=120)
        rotate_secret(name, provider=other)
        new = other.get(name)
        clock.advance(59)
        assert getter() == old  # the old value meanwhile
        clock.advance(2)
        assert getter() == new != old  # the new one after the TTL, no restart


def test_rotation_is_audited_and_counted_without_the_value(provider):
    before = _rotations("bank_feed_api_key")
    value = secrets.token_urlsafe(32)
    rotation = rotate_secret("bank_feed_api_key", value=value, provider=provider, actor_label="manage.py (ops)")
    assert provider.get("bank_feed_api_key") == value
    assert str(rotation) == "bank_feed_api_key: version 1 -> version 2 (local)"
    with db_tenant(PLATFORM_CHAIN):  # the platform chain is readable only in its own context (RLS)
        event = AuditEvent.objects.get(action=AUDIT_ACTION, target_id="bank_feed_api_key")
    body = json.loads(event.body)
    assert body["before"] == {"version": "1"} and body["after"] == {"version": "2", "backend": "local"}
    assert value not in event.body and value not in describe(event)
    assert describe(event) == "rotated the secret bank_feed_api_key to version 2 (local)"
    assert _rotations("bank_feed_api_key") == before + 1


def test_rotation_refusals(provider):
    with pytest.raises(RotationRefused, match="lower-case"):
        rotate_secret("Bad Name", provider=provider)
    with pytest.raises(RotationRefused, match="overlapping login roles"):
        rotate_secret("database_password", provider=provider)
    with pytest.raises(RotationRefused, match="at least"):
        rotate_secret("bank_feed_api_key", value="short", provider=provider)
    with pytest.raises(RotationRefused, match="the current one"):
        rotate_secret("bank_feed_api_key", value=provider.get("bank_feed_api_key"), provider=provider)
    first = rotate_secret("a_new_secret", provider=provider)
    assert first.previous_version is None and first.version == "1"
    with db_tenant(PLATFORM_CHAIN):
        assert not AuditEvent.objects.filter(action=AUDIT_ACTION, target_id="Bad Name").exists()
        assert AuditEvent.objects.filter(action=AUDIT_ACTION, target_id="a_new_secret").exists()


def test_rotate_secret_command(provider, monkeypatch):
    out = io.StringIO()
    call_command("rotate_secret", "secret_key", stdout=out)
    assert "Rotated secret_key: version 1 -> version 2 (local)." in out.getvalue()
    assert "SECRET_KEY_FALLBACKS" in out.getvalue()
    value = secrets.token_urlsafe(32)
    monkeypatch.setattr("sys.stdin", io.StringIO(value + "\n"))
    out = io.StringIO()
    call_command("rotate_secret", "hmrc_client_secret", "--stdin", stdout=out)
    assert provider.get("hmrc_client_secret") == value and value not in out.getvalue()
    assert "within 300 s" in out.getvalue()
    with db_tenant(PLATFORM_CHAIN):
        event = AuditEvent.objects.filter(action=AUDIT_ACTION, target_id="hmrc_client_secret").get()
    assert event.actor_label.startswith("manage.py (")
    with pytest.raises(CommandError, match="not rotated"):
        call_command("rotate_secret", "database_password")
    with use_provider(SecretsProvider(EnvBackend({}), ttl=1, grace=1)), pytest.raises(CommandError, match="read-only"):
        call_command("rotate_secret", "bank_feed_api_key")


# -- security center checks and the age gauge ---------------------------------------------------------------


def test_checks_are_registered():
    ids = {check.id for check in all_checks()}
    assert {"secrets.backend", "secrets.age"} <= ids


def test_backend_check(provider, tmp_path, settings):
    result = backend_check()
    assert result.status == Status.PASS and result.figures["backend"] == "local"
    assert result.figures["missing"] == []
    flaky = FlakyBackend(provider.backend)
    flaky.down = True
    with use_provider(SecretsProvider(flaky, ttl=1, grace=1)):
        assert backend_check().status == Status.FAIL
    with use_provider(local_provider(tmp_path / "empty")):
        missing = backend_check()
        assert missing.status == Status.WARN and "secret_key" in missing.summary
    settings.IS_PRODUCTION = True
    with use_provider(SecretsProvider(EnvBackend({"STRONGROOM_SECRET_SECRET_KEY": "x" * 50}), ttl=1, grace=1)):
        assert backend_check().status == Status.WARN
    session = VaultSession(VaultConfig(addr="http://127.0.0.1:1", token="t"))

    class Answering(VaultKV):
        def names(self):
            return ["secret_key", "hmrc_client_secret", "companies_house_api_key", "bank_feed_api_key"]

    with use_provider(SecretsProvider(Answering(session), ttl=1, grace=1)):
        assert backend_check().status == Status.PASS


def test_age_check_warns_then_fails_when_overdue(provider, settings):
    settings.SECRETS_MAX_AGE_DAYS = 90
    settings.SECRETS_MAX_AGE_DAYS_BY_NAME = {"secret_key": 30}
    now = datetime.now(UTC)
    fresh = age_check()
    assert fresh.status == Status.PASS and set(fresh.figures["age_days"]) == set(bootstrap.GENERATORS)
    overdue = age_check(now=now + timedelta(days=40))
    assert overdue.status == Status.WARN and overdue.figures["overdue"] == ["secret_key"]
    far = age_check(now=now + timedelta(days=200))
    assert far.status == Status.FAIL
    for result in (fresh, overdue, far):
        assert all(provider.backend.read(n).current.value not in result.summary for n in bootstrap.GENERATORS)
    with use_provider(SecretsProvider(EnvBackend({"STRONGROOM_SECRET_SECRET_KEY": "x" * 50}), ttl=1, grace=1)):
        assert age_check().status == Status.UNKNOWN
    flaky = FlakyBackend(provider.backend)
    flaky.down = True
    with use_provider(SecretsProvider(flaky, ttl=1, grace=1)):
        assert age_check().status == Status.UNKNOWN


def test_age_check_names_secrets_of_unknown_age(provider):
    class Mixed:
        kind = "mixed"

        def names(self):
            return ["secret_key", "bank_feed_api_key"]

        def read(self, name):
            record = provider.backend.read(name)
            return (
                EnvBackend({"STRONGROOM_SECRET_BANK_FEED_API_KEY": "y" * 40}).read(name)
                if name != "secret_key"
                else record
            )

    with use_provider(SecretsProvider(Mixed(), ttl=1, grace=1)):
        result = age_check()
    assert result.status == Status.WARN and result.figures["unknown"] == ["bank_feed_api_key"]


def test_the_age_gauge_is_exposed_by_name_only(provider):
    provider.get("hmrc_client_secret")
    text = generate_latest(REGISTRY).decode()
    assert 'strongroom_secret_age_seconds{secret="hmrc_client_secret"}' in text
    assert provider.get("hmrc_client_secret") not in text


def test_the_age_gauge_survives_a_missing_provider():
    from apps.security_center.secrets import get_provider, set_provider
    from apps.security_center.secrets.collectors import SecretAgeCollector

    installed = get_provider()
    set_provider(None)
    try:
        (family,) = list(SecretAgeCollector().collect())
    finally:
        set_provider(installed)
    assert family.samples == [] and SecretAgeCollector().describe()[0].name == "strongroom_secret_age_seconds"
