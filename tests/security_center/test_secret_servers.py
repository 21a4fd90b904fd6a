"""The real secret servers the secrets and KEK tests rely on start and answer."""

from __future__ import annotations


def test_openbao_serves_kv_v2_and_transit(openbao):
    client = openbao.client()
    client.secrets.kv.v2.create_or_update_secret(path="selftest/probe", secret={"value": "x"}, mount_point="secret")
    read = client.secrets.kv.v2.read_secret_version(
        path="selftest/probe", mount_point="secret", raise_on_deleted_version=True
    )
    assert read["data"]["data"] == {"value": "x"}
    assert "transit/" in client.sys.list_mounted_secrets_engines()["data"]


def test_moto_serves_kms_and_secrets_manager(moto_server):
    kms = moto_server.client("kms")
    key_id = kms.create_key(Description="selftest")["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"k" * 32, EncryptionContext={"t": "1"})["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext={"t": "1"})["Plaintext"] == b"k" * 32
    sm = moto_server.client("secretsmanager")
    sm.create_secret(Name="selftest/probe", SecretString="v1")
    assert sm.get_secret_value(SecretId="selftest/probe")["SecretString"] == "v1"
