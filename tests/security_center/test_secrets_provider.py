"""The provider's cache, stale grace and fail-closed rule; the local keystore; the env backend; the bootstrap."""

from __future__ import annotations

import json
import os
import secrets
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from apps.security_center.secrets import (
    SecretNotFound,
    SecretUnavailable,
    bootstrap,
    get_provider,
    get_secret,
    get_secret_optional,
    set_provider,
    use_provider,
)
from apps.security_center.secrets.backends.env import EnvBackend
from apps.security_center.secrets.backends.local import (
    KEEP_VERSIONS,
    LocalKeystore,
    create_key_file,
    decode_key,
    new_key,
    read_key_file,
)
from apps.security_center.secrets.base import (
    SecretBackendError,
    SecretConfigurationError,
    SecretRecord,
    SecretVersion,
)
from apps.security_center.secrets.provider import SecretsProvider
from tests.security_center.secrets_helpers import Clock, local_provider

ROOT = Path(__file__).resolve().parents[2]


class FlakyBackend:
    """A real keystore behind a switch that makes every call fail as an unreachable server would."""

    kind = "flaky"

    def __init__(self, inner) -> None:
        self.inner, self.down, self.reads = inner, False, 0

    def describe(self) -> str:
        return "flaky"

    def read(self, name):
        self.reads += 1
        if self.down:
            raise SecretBackendError("unreachable (ConnectionError)")
        return self.inner.read(name)

    def write(self, name, value):
        return self.inner.write(name, value)

    def names(self):
        if self.down:
            raise SecretBackendError("unreachable (ConnectionError)")
        return self.inner.names()


def test_values_are_cached_for_the_ttl_and_a_rotation_is_seen_after_it(tmp_path):
    clock = Clock()
    provider = local_provider(tmp_path, ttl=60, clock=clock)
    old, new = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    provider.backend.write("bank_feed_api_key", old)
    assert provider.get("bank_feed_api_key") == old
    provider.backend.write("bank_feed_api_key", new)  # another process rotated it
    clock.advance(59)
    assert provider.get("bank_feed_api_key") == old  # the old value meanwhile
    clock.advance(2)
    assert provider.get("bank_feed_api_key") == new  # the new one after the TTL


def test_stale_value_within_the_grace_then_fail_closed(tmp_path, caplog):
    clock = Clock()
    inner = local_provider(tmp_path).backend
    backend = FlakyBackend(inner)
    provider = SecretsProvider(backend, ttl=60, grace=120, clock=clock)
    value = secrets.token_urlsafe(24)
    inner.write("hmrc_client_secret", value)
    assert provider.get("hmrc_client_secret") == value
    backend.down = True
    clock.advance(61)
    assert provider.get("hmrc_client_secret") == value  # stale, within the grace
    clock.advance(118)
    assert provider.get("hmrc_client_secret") == value  # 179 s < 60 + 120
    clock.advance(2)
    with pytest.raises(SecretUnavailable) as caught:
        provider.get("hmrc_client_secret")
    assert caught.value.status == 503 and caught.value.code == "secret_unavailable"
    assert value not in str(caught.value) and value not in caplog.text
    assert "serving the value fetched" in caplog.text
    backend.down = False
    assert provider.get("hmrc_client_secret") == value  # recovers when the backend answers again


def test_never_fetched_and_unreachable_fails_closed_at_once(tmp_path):
    backend = FlakyBackend(local_provider(tmp_path).backend)
    backend.down = True
    with pytest.raises(SecretUnavailable):
        SecretsProvider(backend, ttl=60, grace=120).get("secret_key")


def test_missing_secrets_are_remembered_for_the_ttl(tmp_path):
    clock = Clock()
    backend = FlakyBackend(local_provider(tmp_path).backend)
    provider = SecretsProvider(backend, ttl=60, grace=0, clock=clock)
    assert provider.get_optional("nothing_here") is None
    with pytest.raises(SecretNotFound):
        provider.get("nothing_here")
    assert backend.reads == 1
    clock.advance(61)
    assert provider.get_optional("nothing_here") is None and backend.reads == 2
    provider.forget()
    assert provider.cached_records() == []


def test_values_never_appear_in_repr_or_str(tmp_path):
    provider = local_provider(tmp_path)
    value = secrets.token_urlsafe(24)
    record = provider.backend.write("companies_house_api_key", value)
    for text in (repr(record), str(record), repr(record.current), str(record.current), repr(provider)):
        assert value not in text
    assert "companies_house_api_key" in str(record)
    assert repr(provider.backend).startswith("LocalKeystore(")


def test_the_process_provider_and_use_provider(tmp_path):
    installed = get_provider()  # settings installed one at import
    provider = local_provider(tmp_path)
    provider.backend.write("bank_feed_api_key", "x" * 20)
    with use_provider(provider):
        assert get_secret("bank_feed_api_key") == "x" * 20
        assert get_secret_optional("missing_one") is None
    assert get_provider() is installed
    set_provider(None)
    try:
        with pytest.raises(SecretConfigurationError):
            get_provider()
    finally:
        set_provider(installed)


# -- the local keystore -------------------------------------------------------------------------------------


def test_keystore_is_sealed_keeps_versions_and_times(tmp_path):
    keystore = LocalKeystore(tmp_path / "k.keystore", decode_key(new_key()))
    values = [secrets.token_urlsafe(24) for _ in range(KEEP_VERSIONS + 1)]
    for value in values:
        record = keystore.write("secret_key", value)
    raw = (tmp_path / "k.keystore").read_text()
    assert all(v not in raw for v in values)  # sealed: no value in the file
    assert json.loads(raw)["format"] == "strongroom-keystore-v1"
    assert stat.S_IMODE((tmp_path / "k.keystore").stat().st_mode) == 0o600
    assert record.current.value == values[-1] and record.current.version == str(KEEP_VERSIONS + 1)
    assert [v.value for v in record.previous] == values[-2 : -KEEP_VERSIONS - 1 : -1]
    assert record.first_created_at <= record.rotated_at
    assert keystore.names() == ["secret_key"]
    with pytest.raises(ValueError):
        keystore.write("secret_key", "")
    with pytest.raises(SecretNotFound):
        keystore.read("absent")


def test_keystore_refuses_the_wrong_key_and_a_damaged_file(tmp_path):
    path = tmp_path / "k.keystore"
    LocalKeystore(path, decode_key(new_key())).write("secret_key", "v" * 20)
    with pytest.raises(SecretBackendError, match="cannot be opened"):
        LocalKeystore(path, decode_key(new_key())).read("secret_key")
    path.write_text('{"format": "other"}')
    with pytest.raises(SecretBackendError, match="damaged"):
        LocalKeystore(path, decode_key(new_key())).read("secret_key")
    path.write_text("not json")
    with pytest.raises(SecretBackendError, match="cannot be read"):
        LocalKeystore(path, decode_key(new_key())).names()
    with pytest.raises(SecretConfigurationError):
        LocalKeystore(path, b"short")


def test_key_file_must_be_0600_and_outside_the_repository(tmp_path):
    key_file = tmp_path / "conf" / "keystore.key"
    create_key_file(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(read_key_file(key_file, repository=ROOT)) == 32
    key_file.chmod(0o640)
    with pytest.raises(SecretConfigurationError, match="must be 0600"):
        read_key_file(key_file)
    inside = ROOT / "var" / f"test-{secrets.token_hex(4)}.key"
    with pytest.raises(SecretConfigurationError, match="outside the repository"):
        read_key_file(inside, repository=ROOT)
    with pytest.raises(SecretConfigurationError, match="does not exist"):
        read_key_file(tmp_path / "absent.key")
    with pytest.raises(SecretConfigurationError, match="base64"):
        decode_key("!!!")
    with pytest.raises(SecretConfigurationError, match="32 bytes"):
        decode_key("YWJj")


# -- env backend --------------------------------------------------------------------------------------------


def test_env_backend_reads_and_refuses_to_write():
    value = secrets.token_urlsafe(24)
    backend = EnvBackend({"STRONGROOM_SECRET_BANK_FEED_API_KEY": value, "OTHER": "x"})
    record = backend.read("bank_feed_api_key")
    assert record.current.value == value and record.rotated_at is None
    assert backend.names() == ["bank_feed_api_key"]
    with pytest.raises(SecretNotFound):
        backend.read("secret_key")
    with pytest.raises(SecretBackendError, match="read-only"):
        backend.write("bank_feed_api_key", value)
    assert value not in repr(backend) and "STRONGROOM_SECRET_" in backend.describe()


# -- bootstrap ----------------------------------------------------------------------------------------------


def test_demo_bootstrap_generates_a_keystore_and_an_outside_key_once(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    legacy = var / "secret_key"
    legacy.write_text("legacy-demo-key-" + secrets.token_urlsafe(40))
    env = {"XDG_CONFIG_HOME": str(tmp_path / "home-config")}
    installed = get_provider()
    provider = bootstrap.boot(env, strongroom_env="development", var_dir=var, base_dir=ROOT, ttl=60, grace=60)
    try:
        assert provider.backend.kind == "local"
        key_file = bootstrap.default_key_file(var / "secrets.keystore", env)
        assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert not key_file.resolve().is_relative_to(var.resolve())
        assert set(provider.backend.names()) == set(bootstrap.GENERATORS)
        key, fallbacks = bootstrap.secret_key_from(provider, max_fallback_age=timedelta(days=14))
        assert key.startswith("legacy-demo-key-") and fallbacks == []  # demo sessions survive the move
        assert not legacy.exists()  # no plain-text copy left next to the data
        again = bootstrap.boot(env, strongroom_env="development", var_dir=var, base_dir=ROOT, ttl=60, grace=60)
        assert again.get("secret_key") == key  # generated once
        key_file.unlink()
        with pytest.raises(SecretConfigurationError, match="its key file"):
            bootstrap.boot(env, strongroom_env="development", var_dir=var, base_dir=ROOT, ttl=60, grace=60)
    finally:
        set_provider(installed)


def test_build_backend_selects_and_validates(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")  # moto's placeholders: no instance-metadata lookup
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    kw = {"strongroom_env": "production", "var_dir": tmp_path, "base_dir": ROOT, "export": {}}
    assert bootstrap.build_backend({}, **kw).kind == "env"
    with pytest.raises(SecretConfigurationError, match="not one of"):
        bootstrap.build_backend({"SECRETS_BACKEND": "floppy"}, **kw)
    with pytest.raises(SecretConfigurationError, match="needs SECRETS_KEYSTORE_KEY"):
        bootstrap.build_backend({"SECRETS_BACKEND": "local"}, **kw)
    with pytest.raises(SecretConfigurationError, match="VAULT_ADDR"):
        bootstrap.build_backend({"SECRETS_BACKEND": "vault"}, **kw)
    vault = bootstrap.build_backend(
        {
            "SECRETS_BACKEND": "vault",
            "VAULT_ADDR": "http://127.0.0.1:1",
            "VAULT_TOKEN": "t",
            "SECRETS_VAULT_PREFIX": "p",
        },
        **kw,
    )
    assert vault.kind == "vault" and vault.prefix == "p"
    aws = bootstrap.build_backend(
        {"SECRETS_BACKEND": "aws", "SECRETS_AWS_REGION": "eu-west-2", "SECRETS_AWS_ENDPOINT_URL": "http://127.0.0.1:1"},
        **kw,
    )
    assert aws.kind == "aws" and "eu-west-2" in aws.describe()
    key_file = tmp_path / "outside.key"
    create_key_file(key_file)
    local = bootstrap.build_backend({"SECRETS_BACKEND": "local", "SECRETS_KEYSTORE_KEY_FILE": str(key_file)}, **kw)
    assert local.kind == "local" and local.path == tmp_path / "secrets.keystore"
    export: dict = {}
    bootstrap.build_backend({}, strongroom_env="test", var_dir=tmp_path, base_dir=ROOT, export=export)
    assert set(export) == {"SECRETS_KEYSTORE_PATH", "SECRETS_KEYSTORE_KEY"}


def test_the_test_settings_use_a_random_local_keystore(settings):
    assert settings.SECRETS_BACKEND == "local"
    assert os.environ["SECRETS_KEYSTORE_PATH"].endswith("secrets.keystore")
    assert get_provider().get("secret_key") == settings.SECRET_KEY


def test_secret_key_fallbacks_are_the_recently_retired_versions():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    record = SecretRecord(
        "secret_key",
        SecretVersion("3", "c", now - timedelta(days=1)),
        (SecretVersion("2", "b", now - timedelta(days=20)), SecretVersion("1", "a", now - timedelta(days=40))),
    )
    # "b" was retired a day ago (kept); "a" was retired 20 days ago (past 14 days: dropped).
    assert bootstrap.fallback_values(record, max_age=timedelta(days=14), now=now) == ["b"]
    assert bootstrap.fallback_values(record, max_age=timedelta(days=30), now=now) == ["b", "a"]
    undated = SecretRecord("secret_key", SecretVersion("v2", "c"), (SecretVersion("v1", "b"),))
    assert bootstrap.fallback_values(undated, max_age=timedelta(days=1), now=now) == ["b"]


def test_after_an_exposure_a_zero_fallback_age_drops_every_previous_key_and_two_rotations_would_not():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    exposed = SecretVersion("1", "exposed", now - timedelta(days=100))
    twice = SecretRecord(
        "secret_key", SecretVersion("3", "c", now), (SecretVersion("2", "b", now - timedelta(seconds=5)), exposed)
    )
    assert "exposed" in bootstrap.fallback_values(twice, max_age=timedelta(days=14), now=now)
    assert bootstrap.fallback_values(twice, max_age=timedelta(0), now=now) == []
    undated = SecretRecord("secret_key", SecretVersion("v2", "c"), (SecretVersion("v1", "exposed"),))
    assert bootstrap.fallback_values(undated, max_age=timedelta(0), now=now) == []


def test_production_without_a_secret_key_names_what_is_missing(tmp_path):
    provider = SecretsProvider(EnvBackend({}), ttl=1, grace=1)
    with pytest.raises(SecretConfigurationError, match="SECRET_KEY must be provided in production"):
        bootstrap.secret_key_from(provider, max_fallback_age=timedelta(days=1))


def test_an_unwritable_config_directory_says_what_to_set(tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    with pytest.raises(SecretConfigurationError, match="SECRETS_KEYSTORE_KEY_FILE"):
        bootstrap.build_backend(
            {"XDG_CONFIG_HOME": str(blocked)},
            strongroom_env="development",
            var_dir=tmp_path,
            base_dir=ROOT,
            export={},
        )
