"""The embedded default: a JSON document of secrets sealed with AES-256-GCM in one file.

Why a file at all: the demo and single-host installs have no Vault, and the
values must still not sit in plain text in ``var/`` or in git. The 32-byte key
comes from ``SECRETS_KEYSTORE_KEY`` (URL-safe base64) or from a key file that
must be mode 0600 (a wider mode is refused) and must not be inside the
repository, so the key never sits next to the sealed data. Each secret keeps
its last ``KEEP_VERSIONS`` versions with their creation times.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import stat
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from apps.security_center.secrets.base import (
    SecretBackendError,
    SecretConfigurationError,
    SecretNotFound,
    SecretRecord,
    SecretVersion,
)

KEY_BYTES = 32
KEEP_VERSIONS = 3
FORMAT = "strongroom-keystore-v1"
_AAD = FORMAT.encode()


def new_key() -> str:
    """A fresh keystore key, URL-safe base64 (for the environment variable or the key file)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def decode_key(text: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip().encode(), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SecretConfigurationError("the keystore key is not URL-safe base64") from exc
    if len(raw) != KEY_BYTES:
        raise SecretConfigurationError(f"the keystore key must be {KEY_BYTES} bytes")
    return raw


def read_key_file(path: Path, *, repository: Path | None = None) -> bytes:
    """The key from ``path``: refused when group/other can read or write it, or when it lies inside ``repository``."""
    if repository is not None and path.resolve().is_relative_to(repository.resolve()):
        raise SecretConfigurationError("the keystore key file must be outside the repository")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError as exc:
        raise SecretConfigurationError(f"the keystore key file {path} does not exist") from exc
    if mode & 0o077:
        raise SecretConfigurationError(f"the keystore key file {path} has mode {mode:o}; it must be 0600")
    return decode_key(path.read_text())


def create_key_file(path: Path) -> None:
    """Write a new key to ``path`` with mode 0600 from the start (never readable by others, even briefly)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(new_key())


def _now() -> datetime:
    return datetime.now(UTC)


class LocalKeystore:
    """Secrets in one AES-GCM sealed file; writes are atomic (temp file + rename) and serialised in-process."""

    kind = "local"

    def __init__(self, path: Path, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise SecretConfigurationError(f"the keystore key must be {KEY_BYTES} bytes")
        self.path = Path(path)
        self._aead = AESGCM(key)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LocalKeystore(path={str(self.path)!r})"

    def describe(self) -> str:
        return f"local keystore {self.path}"

    # -- the sealed document ---------------------------------------------------------------------------------
    def _load(self) -> dict:
        try:
            sealed = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {"secrets": {}}
        except (OSError, ValueError) as exc:
            raise SecretBackendError(f"the keystore {self.path} cannot be read") from exc
        try:
            if sealed.get("format") != FORMAT:
                raise ValueError("unknown format")
            nonce = base64.b64decode(sealed["nonce"])
            ciphertext = base64.b64decode(sealed["ciphertext"])
        except (KeyError, ValueError, binascii.Error, AttributeError):
            raise SecretBackendError(f"the keystore {self.path} is damaged") from None
        try:
            plain = self._aead.decrypt(nonce, ciphertext, _AAD)
        except InvalidTag:
            raise SecretBackendError(f"the keystore {self.path} cannot be opened with this key") from None
        return json.loads(plain)

    def _save(self, document: dict) -> None:
        nonce = secrets.token_bytes(12)
        ciphertext = self._aead.encrypt(nonce, json.dumps(document, sort_keys=True).encode(), _AAD)
        sealed = {
            "format": FORMAT,
            "nonce": base64.b64encode(nonce).decode(),
            "ciphertext": base64.b64encode(ciphertext).decode(),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".keystore-")
        try:
            with os.fdopen(fd, "w") as out:
                json.dump(sealed, out)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # -- Backend ---------------------------------------------------------------------------------------------
    def read(self, name: str) -> SecretRecord:
        versions = self._load()["secrets"].get(name)
        if not versions:
            raise SecretNotFound(f"secret {name!r} is not in the local keystore")
        return _record(name, versions)

    def write(self, name: str, value: str) -> SecretRecord:
        if not value:
            raise ValueError("a secret value cannot be empty")
        with self._lock:
            document = self._load()
            versions = document["secrets"].setdefault(name, [])
            number = (versions[-1]["version"] + 1) if versions else 1
            versions.append({"version": number, "value": value, "created_at": _now().isoformat()})
            first = versions[0].get("first_created_at") or versions[0]["created_at"]
            del versions[:-KEEP_VERSIONS]
            versions[0]["first_created_at"] = first
            self._save(document)
            return _record(name, versions)

    def names(self) -> list[str]:
        return sorted(self._load()["secrets"])


def _record(name: str, versions: list[dict]) -> SecretRecord:
    as_versions = [
        SecretVersion(str(v["version"]), v["value"], datetime.fromisoformat(v["created_at"]))
        for v in reversed(versions)
    ]
    first = versions[0].get("first_created_at") or versions[0]["created_at"]
    return SecretRecord(name, as_versions[0], tuple(as_versions[1:]), datetime.fromisoformat(first))
