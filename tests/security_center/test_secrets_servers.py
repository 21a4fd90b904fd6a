"""The provider against real servers on loopback: OpenBao KV v2 through AppRole, and moto's Secrets Manager."""

from __future__ import annotations

import secrets
import socket

import pytest

from apps.security_center.secrets import SecretNotFound, SecretUnavailable
from apps.security_center.secrets.backends.aws import AwsSecretsManager
from apps.security_center.secrets.backends.vault import VaultKV, parse_time
from apps.security_center.secrets.base import SecretBackendError
from apps.security_center.secrets.provider import SecretsProvider
from apps.security_center.vault import VaultConfig, VaultSession
from tests.security_center.secrets_helpers import Clock


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket closes


def _app_role(openbao, prefix: str) -> VaultSession:
    """An AppRole with the application's least-privilege policy: read data and metadata under its prefix."""
    root = openbao.client()
    policy = (
        f'path "secret/data/{prefix}/*" {{ capabilities = ["read"] }}\n'
        f'path "secret/metadata/{prefix}/*" {{ capabilities = ["read", "list"] }}\n'
        f'path "secret/metadata/{prefix}" {{ capabilities = ["list"] }}'
    )
    root.sys.create_or_update_policy(name=prefix, policy=policy)
    root.auth.approle.create_or_update_approle(role_name=prefix, token_policies=[prefix], token_ttl="1h")
    role_id = root.auth.approle.read_role_id(role_name=prefix)["data"]["role_id"]
    secret_id = root.auth.approle.generate_secret_id(role_name=prefix)["data"]["secret_id"]
    return VaultSession(VaultConfig(addr=openbao.url, role_id=role_id, secret_id=secret_id))


def _root_session(openbao) -> VaultSession:
    return VaultSession(VaultConfig(addr=openbao.url, token=openbao.root_token))


# -- OpenBao (Vault) KV v2 ----------------------------------------------------------------------------------


def test_vault_secrets_via_approle_with_versions_and_times(openbao):
    prefix = f"sr-{secrets.token_hex(4)}"
    rotator = VaultKV(_root_session(openbao), prefix=prefix)  # the rotation role may write
    app = VaultKV(_app_role(openbao, prefix), prefix=prefix)  # the application may only read
    first, second, third = (secrets.token_urlsafe(32) for _ in range(3))
    rotator.write("secret_key", first)
    rotator.write("secret_key", second)
    written = rotator.write("secret_key", third)
    record = app.read("secret_key")
    assert record.current.value == third and record.current.version == "3"
    assert [v.value for v in record.previous] == [second, first]  # SECRET_KEY_FALLBACKS material
    assert record.rotated_at == written.rotated_at and record.first_created_at <= record.rotated_at
    rotator.write("bank_feed_api_key", first)
    rotator.write("bank_feed_api_key", second)
    assert app.read("bank_feed_api_key").previous == ()  # no fallbacks for third-party keys
    assert app.names() == ["bank_feed_api_key", "secret_key"]
    with pytest.raises(SecretBackendError, match="Forbidden"):
        app.write("secret_key", secrets.token_urlsafe(32))  # least privilege: the app cannot rotate
    with pytest.raises(SecretNotFound):
        app.read("hmrc_client_secret")
    assert VaultKV(_app_role(openbao, prefix + "-empty"), prefix=prefix + "-empty").names() == []
    assert third not in repr(app) and prefix in app.describe()


def test_vault_deleted_current_version_is_not_served(openbao):
    prefix = f"sr-{secrets.token_hex(4)}"
    rotator = VaultKV(_root_session(openbao), prefix=prefix)
    rotator.write("hmrc_client_secret", secrets.token_urlsafe(32))
    openbao.client().secrets.kv.v2.delete_latest_version_of_secret(path=f"{prefix}/hmrc_client_secret")
    with pytest.raises(SecretNotFound, match="no readable current version"):
        rotator.read("hmrc_client_secret")


def test_vault_rotation_is_picked_up_after_the_ttl_and_survives_an_outage(openbao):
    prefix = f"sr-{secrets.token_hex(4)}"
    rotator = VaultKV(_root_session(openbao), prefix=prefix)
    backend = VaultKV(_app_role(openbao, prefix), prefix=prefix)
    clock = Clock()
    provider = SecretsProvider(backend, ttl=60, grace=120, clock=clock)
    old, new = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    rotator.write("companies_house_api_key", old)
    assert provider.get("companies_house_api_key") == old
    rotator.write("companies_house_api_key", new)
    clock.advance(30)
    assert provider.get("companies_house_api_key") == old  # the old value meanwhile
    clock.advance(31)
    assert provider.get("companies_house_api_key") == new  # the new one after the TTL
    # The server becomes unreachable (the same client configuration, pointed at a port nobody listens on).
    backend._session = VaultSession(VaultConfig(addr=f"http://127.0.0.1:{_closed_port()}", token="t", timeout=1))
    clock.advance(61)
    assert provider.get("companies_house_api_key") == new  # stale within the grace
    clock.advance(120)
    with pytest.raises(SecretUnavailable):
        provider.get("companies_house_api_key")  # then fail closed


def test_vault_time_parsing_keeps_microseconds():
    parsed = parse_time("2026-12-06T00:30:01.123456789Z")
    assert parsed.microsecond == 123456 and parsed.utcoffset().total_seconds() == 0
    assert parse_time("") is None


# -- AWS Secrets Manager (moto server) ----------------------------------------------------------------------


def test_secrets_manager_current_and_previous_stages(moto_server):
    prefix = f"sr-{secrets.token_hex(4)}/"
    backend = AwsSecretsManager(moto_server.client("secretsmanager"), prefix=prefix)
    first, second = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    created = backend.write("secret_key", first)  # creates the secret
    assert created.current.value == first and created.previous == ()
    rotated = backend.write("secret_key", second)  # AWSCURRENT -> new, AWSPREVIOUS -> old
    assert rotated.current.value == second and [v.value for v in rotated.previous] == [first]
    assert rotated.current.version != created.current.version and rotated.rotated_at is not None
    backend.write("hmrc_client_secret", first)
    backend.write("hmrc_client_secret", second)
    assert backend.read("hmrc_client_secret").previous == ()  # no fallbacks for third-party secrets
    assert backend.names() == ["hmrc_client_secret", "secret_key"]
    with pytest.raises(SecretNotFound):
        backend.read("bank_feed_api_key")
    assert second not in repr(backend) and prefix in backend.describe()


def test_secrets_manager_rotation_after_ttl_stale_then_fail_closed(moto_server, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")  # moto's placeholders
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    prefix = f"sr-{secrets.token_hex(4)}/"
    backend = AwsSecretsManager(region=moto_server.region, endpoint_url=moto_server.url, prefix=prefix)
    clock = Clock()
    provider = SecretsProvider(backend, ttl=60, grace=120, clock=clock)
    old, new = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    backend.write("bank_feed_api_key", old)
    assert provider.get("bank_feed_api_key") == old
    backend.write("bank_feed_api_key", new)
    clock.advance(59)
    assert provider.get("bank_feed_api_key") == old
    clock.advance(2)
    assert provider.get("bank_feed_api_key") == new
    provider.backend = AwsSecretsManager(
        region=moto_server.region, endpoint_url=f"http://127.0.0.1:{_closed_port()}", prefix=prefix
    )
    with pytest.raises(SecretBackendError):
        provider.backend.names()
    with pytest.raises(SecretBackendError):
        provider.backend.write("bank_feed_api_key", old)
    clock.advance(61)
    assert provider.get("bank_feed_api_key") == new  # stale within the grace
    clock.advance(120)
    with pytest.raises(SecretUnavailable):
        provider.get("bank_feed_api_key")
