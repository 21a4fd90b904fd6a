"""Secrets in Vault/OpenBao KV v2, one path per secret (``<mount>/<prefix>/<name>``, field ``value``).

Authentication is the process's :func:`apps.security_center.vault.vault_session`
(AppRole; token only in development). The application's policy needs ``read``
on ``<mount>/data/<prefix>/*`` and ``<mount>/metadata/<prefix>/*``; only the
rotation role needs ``create``/``update``. KV v2 keeps every version with its
creation time, so the age of a secret and the previous value (for
``SECRET_KEY_FALLBACKS``) come from Vault itself.
"""

from __future__ import annotations

import re
from datetime import datetime

from apps.security_center.secrets.base import (
    WITH_FALLBACKS,
    SecretBackendError,
    SecretNotFound,
    SecretRecord,
    SecretVersion,
)

FIELD = "value"


def parse_time(text: str | None) -> datetime | None:
    """Vault's RFC 3339 times carry nanoseconds; Python keeps microseconds."""
    if not text:
        return None
    trimmed = re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00")
    return datetime.fromisoformat(trimmed)


class VaultKV:
    kind = "vault"

    def __init__(self, session, *, mount: str = "secret", prefix: str = "strongroom") -> None:
        self._session = session
        self.mount = mount
        self.prefix = prefix.strip("/")

    def __repr__(self) -> str:
        return f"VaultKV(mount={self.mount!r}, prefix={self.prefix!r})"

    def describe(self) -> str:
        return f"Vault KV v2 {self._session.config.addr} {self.mount}/{self.prefix}"

    def _path(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def _call(self, name: str, fn, *args, **kwargs):
        import hvac.exceptions
        import requests

        try:
            return fn(self._session.client(), *args, **kwargs)
        except hvac.exceptions.InvalidPath:
            raise SecretNotFound(f"secret {name!r} is not in Vault") from None
        except (hvac.exceptions.VaultError, requests.RequestException, OSError) as exc:
            raise SecretBackendError(f"Vault could not be read for {name!r} ({type(exc).__name__})") from None

    def read(self, name: str) -> SecretRecord:
        path = self._path(name)
        kv = lambda c: c.secrets.kv.v2  # noqa: E731
        meta = self._call(name, lambda c: kv(c).read_secret_metadata(path=path, mount_point=self.mount))["data"]
        current = int(meta["current_version"])
        live = {int(n): v for n, v in meta["versions"].items() if not v.get("deletion_time") and not v.get("destroyed")}
        if current not in live:
            raise SecretNotFound(f"secret {name!r} has no readable current version in Vault")
        wanted = [current] + (
            [n for n in sorted(live, reverse=True) if n < current][:2] if name in WITH_FALLBACKS else []
        )
        versions = []
        for number in wanted:
            data = self._call(
                name,
                lambda c, n=number: kv(c).read_secret_version(
                    path=path, version=n, mount_point=self.mount, raise_on_deleted_version=True
                ),
            )["data"]
            value = (data.get("data") or {}).get(FIELD, "")
            if not value:
                raise SecretNotFound(f"secret {name!r} version {number} has no {FIELD!r} field")
            versions.append(SecretVersion(str(number), value, parse_time(live[number].get("created_time"))))
        return SecretRecord(name, versions[0], tuple(versions[1:]), parse_time(meta.get("created_time")))

    def write(self, name: str, value: str) -> SecretRecord:
        if not value:
            raise ValueError("a secret value cannot be empty")
        path = self._path(name)
        self._call(
            name,
            lambda c: c.secrets.kv.v2.create_or_update_secret(path=path, secret={FIELD: value}, mount_point=self.mount),
        )
        return self.read(name)

    def names(self) -> list[str]:
        try:
            keys = self._call("*", lambda c: c.secrets.kv.v2.list_secrets(path=self.prefix, mount_point=self.mount))
        except SecretNotFound:
            return []
        return sorted(k for k in keys["data"]["keys"] if not k.endswith("/"))
