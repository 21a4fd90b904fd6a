"""Building the process's provider from the environment, at settings import (before Django's apps load).

Nothing here may import Django settings or models: it runs while
``config/settings.py`` is being executed. ``SECRETS_BACKEND`` selects
``local`` (the embedded default: demo and tests), ``vault``, ``aws`` or
``env``. The demo's keystore lives in ``var/`` and its key in a 0600 file under
the user's config directory, outside the repository; both are created on first
use, so ``make demo`` works on a fresh clone with no configuration. The test
environment gets a keystore in a temporary directory with a random key in the
environment (exported, so worker processes the tests start read the same one).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apps.security_center.secrets.base import (
    BANK_FEED_API_KEY,
    COMPANIES_HOUSE_API_KEY,
    HMRC_CLIENT_SECRET,
    SECRET_KEY,
    SecretConfigurationError,
    SecretNotFound,
    SecretRecord,
)
from apps.security_center.secrets.provider import SecretsProvider

BACKENDS = ("local", "vault", "aws", "env")


def _secret_key_value() -> str:
    return secrets.token_urlsafe(50)


def _api_key_value() -> str:
    return secrets.token_urlsafe(32)


# What a local keystore is seeded with on first use (demo and tests): random values, never a fixed one.
GENERATORS: dict[str, Callable[[], str]] = {
    SECRET_KEY: _secret_key_value,
    HMRC_CLIENT_SECRET: _api_key_value,
    COMPANIES_HOUSE_API_KEY: _api_key_value,
    BANK_FEED_API_KEY: _api_key_value,
}


def default_key_file(keystore: Path, env: Mapping[str, str]) -> Path:
    """``$XDG_CONFIG_HOME/strongroom/keystore-<digest of the keystore path>.key``: per checkout, outside it."""
    config = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    digest = hashlib.sha256(str(keystore.resolve()).encode()).hexdigest()[:16]
    return config / "strongroom" / f"keystore-{digest}.key"


def _local_backend(env: Mapping[str, str], *, strongroom_env: str, var_dir: Path, base_dir: Path, export: dict):
    from apps.security_center.secrets.backends.local import (
        LocalKeystore,
        create_key_file,
        decode_key,
        new_key,
        read_key_file,
    )

    path_text = env.get("SECRETS_KEYSTORE_PATH", "")
    key_text = env.get("SECRETS_KEYSTORE_KEY", "")
    key_file_text = env.get("SECRETS_KEYSTORE_KEY_FILE", "")
    if strongroom_env == "test" and not path_text:
        # A fresh keystore per test run, removed at exit by the process that made it.
        tmp = Path(tempfile.mkdtemp(prefix="strongroom-secrets-"))
        atexit.register(shutil.rmtree, tmp, True)
        path_text, key_text = str(tmp / "secrets.keystore"), new_key()
        export.update(SECRETS_KEYSTORE_PATH=path_text, SECRETS_KEYSTORE_KEY=key_text)
    path = Path(path_text) if path_text else var_dir / "secrets.keystore"
    if key_text:
        return LocalKeystore(path, decode_key(key_text))
    if key_file_text:
        return LocalKeystore(path, read_key_file(Path(key_file_text), repository=base_dir))
    if strongroom_env in {"production", "staging"}:
        raise SecretConfigurationError("the local keystore needs SECRETS_KEYSTORE_KEY or SECRETS_KEYSTORE_KEY_FILE")
    key_file = default_key_file(path, env)
    if not key_file.exists():
        if path.exists():
            raise SecretConfigurationError(
                f"the keystore {path} exists but its key file {key_file} does not: restore the key "
                "or remove the keystore (the demo's secrets are then generated again)"
            )
        try:
            create_key_file(key_file)
        except OSError as exc:
            raise SecretConfigurationError(
                f"cannot create the keystore key file {key_file} ({exc.strerror}): "
                "set SECRETS_KEYSTORE_KEY_FILE to a writable path outside the repository"
            ) from None
    return LocalKeystore(path, read_key_file(key_file, repository=base_dir))


def build_backend(env: Mapping[str, str], *, strongroom_env: str, var_dir: Path, base_dir: Path, export: dict):
    """The backend ``SECRETS_BACKEND`` names, configured from ``env``."""
    kind = env.get("SECRETS_BACKEND", "") or ("env" if strongroom_env in {"production", "staging"} else "local")
    if kind == "local":
        return _local_backend(env, strongroom_env=strongroom_env, var_dir=var_dir, base_dir=base_dir, export=export)
    if kind == "vault":
        from apps.security_center.secrets.backends.vault import VaultKV
        from apps.security_center.vault import VaultConfig, VaultSession

        try:
            session = VaultSession(
                VaultConfig(
                    addr=env.get("VAULT_ADDR", ""),
                    role_id=env.get("VAULT_ROLE_ID", ""),
                    secret_id=env.get("VAULT_SECRET_ID", ""),
                    token=env.get("VAULT_TOKEN", ""),
                    timeout=float(env.get("VAULT_TIMEOUT", "5")),
                )
            )
        except ValueError as exc:
            raise SecretConfigurationError(str(exc)) from None
        return VaultKV(
            session,
            mount=env.get("SECRETS_VAULT_MOUNT", "secret"),
            prefix=env.get("SECRETS_VAULT_PREFIX", "strongroom"),
        )
    if kind == "aws":
        from apps.security_center.secrets.backends.aws import AwsSecretsManager

        return AwsSecretsManager(
            region=env.get("SECRETS_AWS_REGION", "") or env.get("AWS_REGION", ""),
            endpoint_url=env.get("SECRETS_AWS_ENDPOINT_URL", ""),
            prefix=env.get("SECRETS_AWS_PREFIX", "strongroom/"),
        )
    if kind == "env":
        from apps.security_center.secrets.backends.env import EnvBackend

        return EnvBackend()
    raise SecretConfigurationError(f"SECRETS_BACKEND={kind!r} is not one of {', '.join(BACKENDS)}")


def seed_local(provider: SecretsProvider, *, legacy_secret_key_file: Path | None = None) -> list[str]:
    """Generate the secrets a fresh local keystore lacks; adopt the demo's old ``var/secret_key`` (then remove it).

    Returns the names written. Only for the local backend outside production.
    """
    written = []
    present = set(provider.backend.names())
    for name, generate in GENERATORS.items():
        if name in present:
            continue
        value = generate()
        if name == SECRET_KEY and legacy_secret_key_file is not None and legacy_secret_key_file.exists():
            value = legacy_secret_key_file.read_text().strip() or value  # signed-in demo sessions survive
        provider.backend.write(name, value)
        written.append(name)
    if legacy_secret_key_file is not None and SECRET_KEY in written and legacy_secret_key_file.exists():
        legacy_secret_key_file.unlink()  # no plain-text copy next to the data
    provider.forget()
    return written


def fallback_values(record: SecretRecord, *, max_age: timedelta, now: datetime | None = None) -> list[str]:
    """Previous versions retired less than ``max_age`` ago (unknown retirement time: kept), newest first.

    A ``max_age`` of zero means no fallbacks at all (after a suspected exposure: docs/runbooks/secret-rotation.md).
    """
    if max_age <= timedelta(0):
        return []
    now = now or datetime.now(UTC)
    values, retired_at = [], record.current.created_at
    for version in record.previous:
        if retired_at is None or now - retired_at <= max_age:
            values.append(version.value)
        retired_at = version.created_at
    return values


def boot(
    env: Mapping[str, str] | None = None,
    *,
    strongroom_env: str,
    var_dir: Path,
    base_dir: Path,
    ttl: float,
    grace: float,
) -> SecretsProvider:
    """Build the process's provider, install it, seed a local keystore outside production, export test settings."""
    from apps.security_center.secrets import set_provider

    env = os.environ if env is None else env
    export: dict[str, str] = {}
    provider = SecretsProvider(
        build_backend(env, strongroom_env=strongroom_env, var_dir=var_dir, base_dir=base_dir, export=export),
        ttl=ttl,
        grace=grace,
    )
    os.environ.update(export)
    if provider.backend.kind == "local" and strongroom_env in {"development", "test"}:
        seed_local(provider, legacy_secret_key_file=var_dir / "secret_key" if strongroom_env == "development" else None)
    set_provider(provider)
    return provider


def secret_key_from(provider: SecretsProvider, *, max_fallback_age: timedelta) -> tuple[str, list[str]]:
    """SECRET_KEY and its fallbacks (the previous versions still within ``max_fallback_age``)."""
    try:
        record = provider.record(SECRET_KEY)
    except SecretNotFound:
        raise SecretConfigurationError(
            f"SECRET_KEY must be provided in production: store the secret {SECRET_KEY!r} in the "
            f"{provider.backend.kind} secrets backend ({provider.backend.describe()})"
        ) from None
    return record.current.value, fallback_values(record, max_age=max_fallback_age)
