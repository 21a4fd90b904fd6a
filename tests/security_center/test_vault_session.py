"""The shared Vault session logs in with AppRole against a real OpenBao and logs in again before expiry."""

from __future__ import annotations

import pytest

from apps.security_center.vault import VaultConfig, VaultSession


def _approle(openbao, name: str, token_ttl: str = "1h") -> tuple[str, str]:
    root = openbao.client()
    root.sys.create_or_update_policy(name=name, policy=f'path "secret/data/{name}/*" {{ capabilities = ["read"] }}')
    root.auth.approle.create_or_update_approle(role_name=name, token_policies=[name], token_ttl=token_ttl)
    role_id = root.auth.approle.read_role_id(role_name=name)["data"]["role_id"]
    secret_id = root.auth.approle.generate_secret_id(role_name=name)["data"]["secret_id"]
    return role_id, secret_id


def test_approle_login_reads_only_what_its_policy_allows(openbao):
    import hvac

    root = openbao.client()
    root.secrets.kv.v2.create_or_update_secret(path="vs-allowed/app", secret={"k": "v"}, mount_point="secret")
    root.secrets.kv.v2.create_or_update_secret(path="vs-other/app", secret={"k": "no"}, mount_point="secret")
    role_id, secret_id = _approle(openbao, "vs-allowed")
    session = VaultSession(VaultConfig(addr=openbao.url, role_id=role_id, secret_id=secret_id))
    client = session.client()
    assert client.secrets.kv.v2.read_secret_version(
        path="vs-allowed/app", mount_point="secret", raise_on_deleted_version=True
    )["data"]["data"] == {"k": "v"}
    with pytest.raises(hvac.exceptions.Forbidden):
        client.secrets.kv.v2.read_secret_version(
            path="vs-other/app", mount_point="secret", raise_on_deleted_version=True
        )
    assert "secret_id" not in repr(session.config) and secret_id not in repr(session.config)


def test_logs_in_again_when_the_token_nears_expiry(openbao):
    now = [1000.0]
    role_id, secret_id = _approle(openbao, "vs-renew", token_ttl="120s")
    session = VaultSession(VaultConfig(addr=openbao.url, role_id=role_id, secret_id=secret_id), clock=lambda: now[0])
    first = session.client().token
    now[0] += 30  # still 90 s left: same token
    assert session.client().token == first
    now[0] += 40  # 50 s left, inside the margin: a fresh login
    assert session.client().token != first


def test_refuses_to_start_without_credentials():
    with pytest.raises(ValueError, match="VAULT_ROLE_ID"):
        VaultSession(VaultConfig(addr="http://127.0.0.1:1"))
    with pytest.raises(ValueError, match="VAULT_ADDR"):
        VaultSession(VaultConfig(addr=""))
