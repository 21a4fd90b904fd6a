"""Key-encryption keys (KEKs): the one interface, the local provider, and how one is chosen.

A KEK only ever wraps and unwraps tenant data keys (32 random bytes); field
values never reach it. Every wrap carries an encryption *context*
``{"tenant_id", "purpose", "dek_version"}`` so that a wrapped key copied to
another tenant, purpose or version cannot be unwrapped there.

This module is imported by ``config/settings.py`` (for :func:`derived_keks_spec`)
so it must not import models or touch settings at import time.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import json
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from apps.security_center.crypto.errors import DecryptionError, KekError

KEKS_ENV = "FIELD_ENCRYPTION_KEKS"
# Fixed HKDF label for the demo/test KEK derived from SECRET_KEY. Changing it makes demo data unreadable.
DERIVED_KEK_INFO = b"strongroom/field-encryption/local-kek/v1"
NONCE_BYTES = 12
KEY_BYTES = 32


@dataclass(frozen=True)
class WrappedDek:
    """What the key table stores for one data key: opaque blob plus which KEK (and version) made it."""

    blob: bytes
    kek_id: str
    kek_version: int


def canonical_context(context: Mapping[str, str]) -> bytes:
    """The context as stable bytes (sorted keys, no spaces): local AAD, Vault's derived-key context."""
    return json.dumps({str(k): str(v) for k, v in context.items()}, sort_keys=True, separators=(",", ":")).encode()


class KekProvider(ABC):
    """Wraps tenant data keys under a versioned key-encryption key.

    ``context`` is always ``{"tenant_id": str, "purpose": str, "dek_version": str}``
    (string values, so it maps 1:1 onto every backend):

    * **Local** (:class:`LocalKekProvider`): AES-256-GCM under the current local
      KEK version, ``canonical_context(context)`` as associated data.
    * **Vault / OpenBao Transit** (:class:`~apps.security_center.crypto.kms.VaultTransitKekProvider`): a key
      created with ``derived=true``; ``wrap`` = ``transit/encrypt/<key>`` with
      ``plaintext=b64(dek)`` and ``context=b64(canonical_context(context))``;
      ``kek_version`` is the N of the returned ``vault:vN:`` prefix; ``unwrap`` =
      ``transit/decrypt`` with the same context; ``rewrap`` = ``transit/rewrap``
      (server-side: the DEK never reaches the app). After every row reports the
      latest version, raise the key's ``min_decryption_version``.
    * **AWS KMS** (:class:`~apps.security_center.crypto.kms.AwsKmsKekProvider`): ``wrap`` = ``Encrypt(KeyId,
      Plaintext=dek, EncryptionContext=context)``, ``unwrap`` = ``Decrypt(...,
      EncryptionContext=context)`` (KMS refuses a wrong context); ``key_id`` is the
      key ARN; KMS hides its backing-key versions, so ``kek_version`` is a
      configured integer bumped when moving to a new KeyId, and ``rewrap`` =
      ``ReEncrypt`` with ``DestinationKeyId`` and the same context on both sides.

    Implementations raise :class:`DecryptionError` when a blob does not open
    under its context and :class:`KekError` when the KEK itself is unavailable.
    """

    @property
    @abstractmethod
    def key_id(self) -> str:
        """Stable name of the KEK (stored with every wrapped key)."""

    @property
    @abstractmethod
    def current_version(self) -> int:
        """The version new wraps use."""

    @abstractmethod
    def wrap(self, dek: bytes, context: Mapping[str, str]) -> WrappedDek: ...

    @abstractmethod
    def unwrap(self, blob: bytes, kek_version: int, context: Mapping[str, str]) -> bytes: ...

    def rewrap(self, blob: bytes, kek_version: int, context: Mapping[str, str]) -> WrappedDek:
        """Move a wrapped key to the current KEK version. KMS backends override this server-side."""
        return self.wrap(self.unwrap(blob, kek_version, context), context)

    def rotate(self) -> int:
        """Make a new KEK version current in the key service; returns it (then re-wrap, then retire).

        Local KEKs come from the environment: add version N+1 to FIELD_ENCRYPTION_KEKS
        and deploy first; here this only reports the configured current version.
        """
        return self.current_version

    def retire_below(self, version: int) -> str:
        """Stop older KEK versions from decrypting, once every wrapped key is on ``version``; says what it did."""
        return f"nothing to retire in the key service; remove versions below {version} from the configuration"

    @classmethod
    def from_settings(cls) -> KekProvider:  # pragma: no cover - each provider decides
        raise NotImplementedError


def parse_keks_spec(spec: str) -> dict[int, bytes]:
    """``"1:<base64 32 bytes>,2:<base64>"`` -> ``{1: key, 2: key}``. Errors name the entry, never the key."""
    keys: dict[int, bytes] = {}
    for position, entry in enumerate((e.strip() for e in spec.split(",")), start=1):
        if not entry:
            continue
        version_text, sep, material = entry.partition(":")
        if not sep or not version_text.strip().isdigit() or int(version_text) < 1:
            raise ImproperlyConfigured(f"{KEKS_ENV} entry {position} is not '<version>:<base64 key>'")
        version = int(version_text)
        try:
            key = base64.b64decode(material.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"{KEKS_ENV} version {version} is not valid base64") from exc
        if len(key) != KEY_BYTES:
            raise ImproperlyConfigured(f"{KEKS_ENV} version {version} must decode to {KEY_BYTES} bytes")
        if version in keys:
            raise ImproperlyConfigured(f"{KEKS_ENV} lists version {version} twice")
        keys[version] = key
    if not keys:
        raise ImproperlyConfigured(f"{KEKS_ENV} holds no keys")
    return keys


def format_keks_spec(keys: Mapping[int, bytes]) -> str:
    return ",".join(f"{v}:{base64.b64encode(k).decode()}" for v, k in sorted(keys.items()))


def derive_kek(secret_key: str) -> bytes:
    """HKDF-SHA256 of SECRET_KEY with a fixed label: the demo/test KEK (never production)."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=DERIVED_KEK_INFO).derive(
        secret_key.encode()
    )


def derived_keks_spec(secret_key: str) -> str:
    """The ``FIELD_ENCRYPTION_KEKS`` value equivalent to the derived demo/test KEK (version 1)."""
    return format_keks_spec({1: derive_kek(secret_key)})


class LocalKekProvider(KekProvider):
    """AES-256-GCM KEKs held in process memory, from ``FIELD_ENCRYPTION_KEKS`` (highest version = current).

    For development, tests and small self-hosted installs. The key material is
    injected by the environment (secrets manager, systemd credential); we never
    write it to disk. Without the variable, development and test derive version 1
    from SECRET_KEY (see docs/decisions/0004); production refuses to start.
    """

    AAD_PREFIX = b"strongroom/local-kek"

    def __init__(self, keys: Mapping[int, bytes], key_id: str = "local") -> None:
        if not keys or any(len(k) != KEY_BYTES for k in keys.values()):
            raise ImproperlyConfigured(f"local KEKs must be {KEY_BYTES}-byte keys")
        self._keys = dict(keys)
        self._key_id = key_id

    @classmethod
    def from_settings(cls) -> LocalKekProvider:
        from django.conf import settings

        spec = os.environ.get(KEKS_ENV, "").strip()
        if spec:
            return cls(parse_keks_spec(spec))
        if settings.IS_PRODUCTION:
            raise ImproperlyConfigured(
                f"{KEKS_ENV} must be provided in production when FIELD_ENCRYPTION_KEK_PROVIDER is 'local' "
                "(or configure a KMS-backed provider)"
            )
        return cls({1: derive_kek(settings.SECRET_KEY)})

    @property
    def key_id(self) -> str:
        return self._key_id

    @property
    def current_version(self) -> int:
        return max(self._keys)

    def _aad(self, version: int, context: Mapping[str, str]) -> bytes:
        return b"%s|%s|v%d|" % (self.AAD_PREFIX, self._key_id.encode(), version) + canonical_context(context)

    def wrap(self, dek: bytes, context: Mapping[str, str]) -> WrappedDek:
        version = self.current_version
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self._keys[version]).encrypt(nonce, dek, self._aad(version, context))
        return WrappedDek(blob=nonce + sealed, kek_id=self._key_id, kek_version=version)

    def unwrap(self, blob: bytes, kek_version: int, context: Mapping[str, str]) -> bytes:
        key = self._keys.get(kek_version)
        if key is None:
            raise KekError(
                f"local KEK version {kek_version} is not configured ({KEKS_ENV} has {sorted(self._keys)}); "
                "keep old versions until every data key is re-wrapped"
            )
        blob = bytes(blob)
        try:
            return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], self._aad(kek_version, context))
        except (InvalidTag, ValueError) as exc:
            raise DecryptionError("a wrapped data key does not open under its tenant/purpose/version context") from exc


PROVIDERS = {
    "local": "apps.security_center.crypto.kek.LocalKekProvider",
    "vault-transit": "apps.security_center.crypto.kms.VaultTransitKekProvider",
    "aws-kms": "apps.security_center.crypto.kms.AwsKmsKekProvider",
}

_provider: KekProvider | None = None
_provider_lock = threading.Lock()


def get_kek_provider() -> KekProvider:
    """The configured provider (``FIELD_ENCRYPTION_KEK_PROVIDER``: a name in PROVIDERS or a dotted path), built once."""
    global _provider
    with _provider_lock:
        if _provider is None:
            from django.conf import settings

            name = settings.FIELD_ENCRYPTION_KEK_PROVIDER or "local"
            path = PROVIDERS.get(name, name)
            module_name, _, class_name = path.rpartition(".")
            try:
                provider_class = getattr(importlib.import_module(module_name), class_name)
            except (ImportError, AttributeError, ValueError) as exc:
                raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEK_PROVIDER={name!r} is not a KEK provider") from exc
            _provider = provider_class.from_settings()
        return _provider


def set_kek_provider(provider: KekProvider | None) -> None:
    """Replace (or with None, forget) the process's provider: tests, and after the environment changes."""
    global _provider
    with _provider_lock:
        _provider = provider


def _forget_provider_on_settings_change(*, setting: str, **kwargs: object) -> None:
    if setting in {"FIELD_ENCRYPTION_KEK_PROVIDER", "SECRET_KEY", "IS_PRODUCTION"} or setting.startswith(
        ("FIELD_ENCRYPTION_VAULT_", "FIELD_ENCRYPTION_AWS_KMS_")
    ):
        set_kek_provider(None)


setting_changed.connect(_forget_provider_on_settings_change, dispatch_uid="strongroom.kek.settings")
