"""Key-encryption keys: configuration, context binding, KEK rotation with re-wrap, and worker processes."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from apps.security_center.crypto import keystore
from apps.security_center.crypto.envelope import decrypt, encrypt
from apps.security_center.crypto.errors import DecryptionError, KekError
from apps.security_center.crypto.kek import (
    KEKS_ENV,
    LocalKekProvider,
    derive_kek,
    format_keks_spec,
    get_kek_provider,
    parse_keks_spec,
    set_kek_provider,
)
from apps.security_center.crypto.services import rewrap_all_deks
from apps.security_center.models import TenantKey
from tests.helpers import ROOT, audit_events

K1, K2 = bytes(range(32)), bytes(range(32, 64))
CONTEXT = {"tenant_id": str(uuid.uuid4()), "purpose": "data", "dek_version": "1"}


@pytest.fixture
def provider_slot():
    """Tests swap the process's provider; put the configured one back afterwards."""
    keystore.clear_key_cache()
    set_kek_provider(None)
    yield set_kek_provider
    set_kek_provider(None)
    keystore.clear_key_cache()


def test_spec_parses_versions_and_the_highest_is_current():
    keys = parse_keks_spec(f" 2:{base64.b64encode(K2).decode()} , 1:{base64.b64encode(K1).decode()} ")
    assert keys == {1: K1, 2: K2}
    assert LocalKekProvider(keys).current_version == 2
    assert parse_keks_spec(format_keks_spec(keys)) == keys


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "holds no keys"),
        ("abc", "entry 1 is not"),
        ("0:" + base64.b64encode(K1).decode(), "entry 1 is not"),
        ("1:not*base64", "version 1 is not valid base64"),
        ("1:" + base64.b64encode(b"short").decode(), "must decode to 32 bytes"),
        (f"1:{base64.b64encode(K1).decode()},1:{base64.b64encode(K2).decode()}", "lists version 1 twice"),
    ],
)
def test_bad_specs_are_refused_without_echoing_key_material(spec, message):
    with pytest.raises(ImproperlyConfigured, match=message) as caught:
        parse_keks_spec(spec)
    assert base64.b64encode(K1).decode() not in str(caught.value)


def test_wrap_is_bound_to_its_context_and_version():
    provider = LocalKekProvider({1: K1})
    dek = os.urandom(32)
    wrapped = provider.wrap(dek, CONTEXT)
    assert (wrapped.kek_id, wrapped.kek_version) == ("local", 1)
    assert dek not in wrapped.blob
    assert provider.unwrap(wrapped.blob, 1, CONTEXT) == dek
    for changed in ({"tenant_id": str(uuid.uuid4())}, {"purpose": "index"}, {"dek_version": "2"}):
        with pytest.raises(DecryptionError, match="context"):
            provider.unwrap(wrapped.blob, 1, CONTEXT | changed)
    with pytest.raises(KekError, match="version 2 is not configured"):
        provider.unwrap(wrapped.blob, 2, CONTEXT)
    with pytest.raises(DecryptionError):
        LocalKekProvider({1: K2}).unwrap(wrapped.blob, 1, CONTEXT)


def test_rewrap_moves_a_key_to_the_current_version():
    old = LocalKekProvider({1: K1})
    dek = os.urandom(32)
    wrapped = old.wrap(dek, CONTEXT)
    both = LocalKekProvider({1: K1, 2: K2})
    moved = both.rewrap(wrapped.blob, wrapped.kek_version, CONTEXT)
    assert moved.kek_version == 2
    assert LocalKekProvider({2: K2}).unwrap(moved.blob, 2, CONTEXT) == dek


def test_the_environment_variable_wins(monkeypatch, provider_slot):
    monkeypatch.setenv(KEKS_ENV, format_keks_spec({1: K1, 3: K2}))
    provider = get_kek_provider()
    assert provider.current_version == 3


def test_without_the_variable_development_derives_from_secret_key(monkeypatch, settings, provider_slot):
    monkeypatch.delenv(KEKS_ENV, raising=False)
    settings.IS_PRODUCTION = False
    provider = get_kek_provider()
    wrapped = provider.wrap(K1, CONTEXT)
    assert LocalKekProvider({1: derive_kek(settings.SECRET_KEY)}).unwrap(wrapped.blob, 1, CONTEXT) == K1
    assert derive_kek(settings.SECRET_KEY) != derive_kek(settings.SECRET_KEY + "x")


def test_production_refuses_to_start_without_key_material(monkeypatch, settings, provider_slot):
    monkeypatch.delenv(KEKS_ENV, raising=False)
    settings.IS_PRODUCTION = True
    with pytest.raises(ImproperlyConfigured, match="must be provided in production"):
        get_kek_provider()


def test_settings_refuse_production_without_key_material():
    env = {k: v for k, v in os.environ.items() if k != KEKS_ENV}
    env |= {"STRONGROOM_ENV": "production", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "example.test"}
    env["SANDBOX_ENABLED"] = "false"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEKS must be provided in production" in result.stderr


def test_unknown_provider_is_a_clear_configuration_error(settings, provider_slot):
    settings.FIELD_ENCRYPTION_KEK_PROVIDER = "apps.nowhere.VaultKek"
    with pytest.raises(ImproperlyConfigured, match="is not a KEK provider"):
        get_kek_provider()


CHILD = """
import base64, sys, django
django.setup()
from apps.security_center.crypto.kek import get_kek_provider
tenant_id, blob = sys.argv[1], base64.b64decode(sys.argv[2])
context = {"tenant_id": tenant_id, "purpose": "data", "dek_version": "1"}
print(base64.b64encode(get_kek_provider().unwrap(blob, 1, context)).decode())
"""


def _child(env: dict[str, str], tenant_id: str, blob: bytes) -> subprocess.CompletedProcess:
    env = {k: v for k, v in env.items() if k != "SECRET_KEY"}  # its own random SECRET_KEY, as a worker's
    return subprocess.run(
        [sys.executable, "-c", CHILD, tenant_id, base64.b64encode(blob).decode()],
        cwd=ROOT,
        env=env | {"STRONGROOM_ENV": "test", "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow  # a child process
def test_processes_started_by_tests_share_the_test_kek(provider_slot):
    """tests/helpers.celery_worker passes os.environ on, so a worker unwraps what this process wrapped."""
    assert os.environ.get(KEKS_ENV), "settings exported the test KEK"
    tenant_id = str(uuid.uuid4())
    dek = os.urandom(32)
    wrapped = get_kek_provider().wrap(dek, {"tenant_id": tenant_id, "purpose": "data", "dek_version": "1"})
    inherited = _child(dict(os.environ), tenant_id, wrapped.blob)
    assert inherited.returncode == 0, inherited.stderr[-2000:]
    assert base64.b64decode(inherited.stdout.strip()) == dek
    # Without the exported variable the child derives its own KEK and cannot unwrap: the export is what matters.
    # (The test keystore is left out too: it would give the child this process's SECRET_KEY, issue #15.)
    alone = _child(
        {k: v for k, v in os.environ.items() if k != KEKS_ENV and not k.startswith("SECRETS_")}, tenant_id, wrapped.blob
    )
    assert alone.returncode != 0 and "DecryptionError" in alone.stderr


@pytest.mark.django_db
def test_kek_rotation_then_rewrap_then_retiring_the_old_version(provider_slot, tenant_a, tenant_b, in_tenant):
    provider_slot(LocalKekProvider({1: K1}))
    rows = {t: uuid.uuid4() for t in (tenant_a, tenant_b)}
    blobs = {}
    for tenant, row in rows.items():
        with in_tenant(tenant):
            blobs[tenant] = encrypt(tenant_id=tenant.pk, label="test.kek", row_id=row, plaintext=b"v")

    # New KEK version deployed next to the old one: old wraps still open, new keys use v2.
    provider_slot(LocalKekProvider({1: K1, 2: K2}))
    keystore.clear_key_cache()
    with in_tenant(tenant_a):
        assert decrypt(tenant_id=tenant_a.pk, label="test.kek", row_id=rows[tenant_a], blob=blobs[tenant_a]) == b"v"
        assert TenantKey.objects.get().kek_version == 1

    report = rewrap_all_deks(actor_label="test")
    assert (report.tenants, report.keys) == (2, 2)
    assert rewrap_all_deks(actor_label="test").keys == 0
    for tenant in (tenant_a, tenant_b):
        with in_tenant(tenant):
            assert TenantKey.objects.get().kek_version == 2
        [event] = [e for e in audit_events(tenant.pk) if e.action == "security_center.tenant_key.rewrapped"]
        assert '"kek_version":1' in event.body and '"kek_version":2' in event.body

    # The old version removed: everything still opens.
    provider_slot(LocalKekProvider({2: K2}))
    keystore.clear_key_cache()
    for tenant, row in rows.items():
        with in_tenant(tenant):
            assert decrypt(tenant_id=tenant.pk, label="test.kek", row_id=row, blob=blobs[tenant]) == b"v"


@pytest.mark.django_db
def test_rewrap_command(provider_slot, tenant_a, in_tenant, capsys):
    provider_slot(LocalKekProvider({1: K1}))
    with in_tenant(tenant_a):
        encrypt(tenant_id=tenant_a.pk, label="test.kek", row_id=uuid.uuid4(), plaintext=b"v")
    provider_slot(LocalKekProvider({1: K1, 2: K2}))
    call_command("rewrap_tenant_keys")
    assert "Re-wrapped 1 keys of 1 businesses under local version 2." in capsys.readouterr().out
    with in_tenant(tenant_a):
        assert TenantKey.objects.get().kek_version == 2


@pytest.mark.django_db
def test_a_wrapped_key_copied_to_another_tenant_does_not_open(tenant_a, tenant_b, in_tenant, provider_slot):
    with in_tenant(tenant_a):
        encrypt(tenant_id=tenant_a.pk, label="test.kek", row_id=uuid.uuid4(), plaintext=b"a")
        stolen = bytes(TenantKey.objects.get().wrapped_dek)
    with in_tenant(tenant_b):
        row = uuid.uuid4()
        blob = encrypt(tenant_id=tenant_b.pk, label="test.kek", row_id=row, plaintext=b"b")
        TenantKey.objects.update(wrapped_dek=stolen)  # as someone with write access to the key table would
        keystore.clear_key_cache()
        with pytest.raises(DecryptionError, match="context"):
            decrypt(tenant_id=tenant_b.pk, label="test.kek", row_id=row, blob=blob)


@pytest.mark.django_db
def test_rewrap_command_says_plainly_when_an_old_kek_version_is_gone(provider_slot, tenant_a, in_tenant):
    from django.core.management import CommandError

    provider_slot(LocalKekProvider({1: K1}))
    with in_tenant(tenant_a):
        encrypt(tenant_id=tenant_a.pk, label="test.kek", row_id=uuid.uuid4(), plaintext=b"v")
    provider_slot(LocalKekProvider({2: K2}))  # version 1 removed too early
    with pytest.raises(CommandError, match="local KEK version 1 is not configured"):
        call_command("rewrap_tenant_keys")
