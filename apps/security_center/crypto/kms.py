"""KEK providers backed by a real key service: Vault/OpenBao Transit and AWS KMS (decision 0023).

Both only ever see a tenant data key (32 bytes) with its encryption context
(``canonical_context``); field values never leave the app. Errors map onto the
crypto layer's two kinds, with messages that name the key and version but never
a token, a blob or key material:

* :class:`DecryptionError`: the blob does not open under its context (another
  tenant's, purpose's or version's key, or altered bytes);
* :class:`KekError`: the key service is unreachable, refuses us, or the KEK
  version was retired (Transit ``min_decryption_version``, a disabled KMS key).
"""

from __future__ import annotations

import base64
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from apps.security_center.crypto.errors import DecryptionError, KekError
from apps.security_center.crypto.kek import KekProvider, WrappedDek, canonical_context

_VAULT_PREFIX = re.compile(r"^vault:v(\d+):")
# How long the Transit key's latest version is trusted before reading it again (a rotation elsewhere shows then).
VERSION_CACHE_SECONDS = 30.0


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class VaultTransitKekProvider(KekProvider):
    """A Transit key created with ``derived=true``: the context picks a derived key, so a copied blob fails.

    ``kek_version`` is the N of the ``vault:vN:`` prefix; ``rewrap`` is
    ``transit/rewrap`` (server-side, the DEK never reaches the app);
    ``retire_below`` raises the key's ``min_decryption_version``.
    """

    def __init__(
        self, session: Any, *, key_name: str, mount: str = "transit", clock: Callable[[], float] = time.monotonic
    ):
        if not key_name:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_VAULT_TRANSIT_KEY is not set")
        self._session = session
        self.key_name = key_name
        self.mount = mount
        self._clock = clock
        self._lock = threading.Lock()
        self._version: tuple[float, int] | None = None

    @classmethod
    def from_settings(cls) -> VaultTransitKekProvider:
        from django.conf import settings

        from apps.security_center.vault import vault_session

        try:
            session = vault_session()
        except ValueError as exc:
            raise ImproperlyConfigured(f"the Vault Transit KEK needs a Vault session: {exc}") from exc
        return cls(
            session,
            key_name=settings.FIELD_ENCRYPTION_VAULT_TRANSIT_KEY,
            mount=settings.FIELD_ENCRYPTION_VAULT_TRANSIT_MOUNT,
        )

    # --- plumbing -------------------------------------------------------------
    def _call(self, what: str, func: Callable[[Any], Any]) -> Any:
        """Run one Transit call; map hvac/requests failures onto DecryptionError / KekError without echoing data."""
        import hvac.exceptions
        import requests

        try:
            return func(self._session.client().secrets.transit)
        except hvac.exceptions.InvalidRequest as exc:
            text = str(exc)
            if "too old" in text or "disallowed by policy" in text:
                raise KekError(
                    f"Transit key {self.key_name!r} no longer decrypts this version (min_decryption_version raised)"
                ) from None
            if what in {"decrypt", "rewrap"}:
                raise DecryptionError(
                    "a wrapped data key does not open under its tenant/purpose/version context (Transit)"
                ) from None
            raise KekError(f"Transit {what} on key {self.key_name!r} was refused as invalid") from None
        except (hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized) as exc:
            raise KekError(f"Transit {what} on key {self.key_name!r} is not permitted ({type(exc).__name__})") from None
        except hvac.exceptions.VaultError as exc:
            raise KekError(f"Transit {what} on key {self.key_name!r} failed ({type(exc).__name__})") from None
        except requests.RequestException as exc:
            raise KekError(f"Vault is unreachable for Transit {what} ({type(exc).__name__})") from None

    @staticmethod
    def _context(context: Mapping[str, str]) -> str:
        return _b64(canonical_context(context))

    def _wrapped(self, ciphertext: str) -> WrappedDek:
        match = _VAULT_PREFIX.match(ciphertext)
        if not match:
            raise KekError("Transit returned a ciphertext without a vault:vN: prefix")
        return WrappedDek(blob=ciphertext.encode("ascii"), kek_id=self.key_id, kek_version=int(match.group(1)))

    @staticmethod
    def _text(blob: bytes, kek_version: int) -> str:
        try:
            text = bytes(blob).decode("ascii")
        except UnicodeDecodeError:
            raise DecryptionError("this wrapped data key is not a Transit ciphertext") from None
        match = _VAULT_PREFIX.match(text)
        if not match or int(match.group(1)) != kek_version:
            raise DecryptionError("this wrapped data key's Transit version does not match its recorded KEK version")
        return text

    # --- KekProvider ------------------------------------------------------------
    @property
    def key_id(self) -> str:
        return f"vault-transit:{self.mount}/{self.key_name}"

    def key_info(self) -> dict[str, int]:
        """``latest_version`` and ``min_decryption_version`` of the Transit key (read from the server)."""
        data = self._call("read", lambda t: t.read_key(name=self.key_name, mount_point=self.mount))["data"]
        return {
            "latest_version": int(data["latest_version"]),
            "min_decryption_version": int(data["min_decryption_version"]),
        }

    @property
    def current_version(self) -> int:
        with self._lock:
            if self._version and self._version[0] > self._clock():
                return self._version[1]
        latest = self.key_info()["latest_version"]
        with self._lock:
            self._version = (self._clock() + VERSION_CACHE_SECONDS, latest)
        return latest

    def ensure_key(self) -> None:
        """Create the Transit key (``derived=true``, AES-256-GCM) if it does not exist yet. Idempotent."""
        self._call(
            "create",
            lambda t: t.create_key(name=self.key_name, derived=True, key_type="aes256-gcm96", mount_point=self.mount),
        )

    def wrap(self, dek: bytes, context: Mapping[str, str]) -> WrappedDek:
        response = self._call(
            "encrypt",
            lambda t: t.encrypt_data(
                name=self.key_name, plaintext=_b64(dek), context=self._context(context), mount_point=self.mount
            ),
        )
        return self._wrapped(response["data"]["ciphertext"])

    def unwrap(self, blob: bytes, kek_version: int, context: Mapping[str, str]) -> bytes:
        text = self._text(blob, kek_version)
        response = self._call(
            "decrypt",
            lambda t: t.decrypt_data(
                name=self.key_name, ciphertext=text, context=self._context(context), mount_point=self.mount
            ),
        )
        return base64.b64decode(response["data"]["plaintext"])

    def rewrap(self, blob: bytes, kek_version: int, context: Mapping[str, str]) -> WrappedDek:
        text = self._text(blob, kek_version)
        response = self._call(
            "rewrap",
            lambda t: t.rewrap_data(
                name=self.key_name, ciphertext=text, context=self._context(context), mount_point=self.mount
            ),
        )
        return self._wrapped(response["data"]["ciphertext"])

    def rotate(self) -> int:
        self._call("rotate", lambda t: t.rotate_key(name=self.key_name, mount_point=self.mount))
        with self._lock:
            self._version = None
        return self.current_version

    def retire_below(self, version: int) -> str:
        self._call(
            "configure",
            lambda t: t.update_key_configuration(
                name=self.key_name, min_decryption_version=version, mount_point=self.mount
            ),
        )
        return f"Transit key {self.key_name!r}: min_decryption_version raised to {version}"


def parse_kms_keys(spec: str) -> dict[int, str]:
    """``"1:<key id or ARN>,2:<key id or ARN>"`` -> ``{1: ..., 2: ...}`` (highest = current). ARNs keep their colons."""
    keys: dict[int, str] = {}
    for position, entry in enumerate((e.strip() for e in spec.split(",")), start=1):
        if not entry:
            continue
        version_text, sep, key_id = entry.partition(":")
        if not sep or not version_text.strip().isdigit() or int(version_text) < 1 or not key_id.strip():
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_AWS_KMS_KEYS entry {position} is not '<version>:<key id>'")
        if int(version_text) in keys:
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_AWS_KMS_KEYS lists version {int(version_text)} twice")
        keys[int(version_text)] = key_id.strip()
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_AWS_KMS_KEYS holds no keys")
    return keys


class AwsKmsKekProvider(KekProvider):
    """AWS KMS symmetric keys; ``EncryptionContext`` = the data key's context (KMS refuses a wrong one).

    KMS hides its backing-key versions, so ``kek_version`` is ours: version N is
    the N-th configured key (``FIELD_ENCRYPTION_AWS_KMS_KEYS``, highest current)
    and ``kek_id`` its key id/ARN. Moving to a new key = configure it as N+1,
    then ``rewrap`` (``ReEncrypt`` with ``DestinationKeyId``; the DEK never
    reaches the app). ``rotate`` asks KMS for an on-demand rotation of the
    current key's backing material (old material keeps decrypting, so nothing
    needs re-wrapping); ``retire_below`` disables the older keys.
    """

    def __init__(self, keys: Mapping[int, str], *, client: Any = None, **client_options: Any) -> None:
        if not keys:
            raise ImproperlyConfigured("AWS KMS KEK needs at least one key id")
        self._keys = dict(keys)
        self._client = client
        self._client_options = client_options
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls) -> AwsKmsKekProvider:
        from django.conf import settings

        return cls(
            parse_kms_keys(settings.FIELD_ENCRYPTION_AWS_KMS_KEYS),
            endpoint_url=settings.FIELD_ENCRYPTION_AWS_KMS_ENDPOINT_URL or None,
            region_name=settings.FIELD_ENCRYPTION_AWS_KMS_REGION or None,
        )

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                import boto3
                from botocore.config import Config

                config = Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"})
                self._client = boto3.client("kms", config=config, **self._client_options)
            return self._client

    def _call(self, what: str, func: Callable[[Any], Any]) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return func(self.client())
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"InvalidCiphertextException", "IncorrectKeyException"}:
                raise DecryptionError(
                    "a wrapped data key does not open under its tenant/purpose/version context (KMS)"
                ) from None
            raise KekError(f"KMS {what} failed ({code or 'error'})") from None
        except BotoCoreError as exc:
            raise KekError(f"KMS is unreachable for {what} ({type(exc).__name__})") from None

    @property
    def key_id(self) -> str:
        return self._keys[self.current_version]

    @property
    def current_version(self) -> int:
        return max(self._keys)

    @property
    def versions(self) -> dict[int, str]:
        return dict(self._keys)

    def wrap(self, dek: bytes, context: Mapping[str, str]) -> WrappedDek:
        version = self.current_version
        response = self._call(
            "encrypt",
            lambda c: c.encrypt(KeyId=self._keys[version], Plaintext=dek, EncryptionContext=dict(context)),
        )
        return WrappedDek(blob=response["CiphertextBlob"], kek_id=self._keys[version], kek_version=version)

    def unwrap(self, blob: bytes, kek_version: int, context: Mapping[str, str]) -> bytes:
        response = self._call(
            "decrypt", lambda c: c.decrypt(CiphertextBlob=bytes(blob), EncryptionContext=dict(context))
        )
        return response["Plaintext"]

    def rewrap(self, blob: bytes, kek_version: int, context: Mapping[str, str]) -> WrappedDek:
        version = self.current_version
        response = self._call(
            "re-encrypt",
            lambda c: c.re_encrypt(
                CiphertextBlob=bytes(blob),
                SourceEncryptionContext=dict(context),
                DestinationKeyId=self._keys[version],
                DestinationEncryptionContext=dict(context),
            ),
        )
        return WrappedDek(blob=response["CiphertextBlob"], kek_id=self._keys[version], kek_version=version)

    def rotate(self) -> int:
        key = self.key_id
        self._call("rotate", lambda c: c.rotate_key_on_demand(KeyId=key))
        return self.current_version

    def retire_below(self, version: int) -> str:
        old = [key for v, key in sorted(self._keys.items()) if v < version]
        for key in old:
            # DisableKey wants the bare key id (aliases are refused; moto refuses ARNs too): resolve it first.
            key_id = self._call("describe", lambda c, key=key: c.describe_key(KeyId=key))["KeyMetadata"]["KeyId"]
            self._call("disable", lambda c, key_id=key_id: c.disable_key(KeyId=key_id))
        return f"KMS: disabled {len(old)} older key(s)" if old else "KMS: no older key to disable"
