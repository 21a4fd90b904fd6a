"""One authenticated Vault/OpenBao client per process, shared by the secrets provider and the Transit KEK.

Authentication is AppRole (``VAULT_ROLE_ID`` + ``VAULT_SECRET_ID``, the one
bootstrap credential the platform injects) or, for development against a dev
server, a token (``VAULT_TOKEN``). The client logs in lazily and again when its
token is within ``RENEW_MARGIN_SECONDS`` of expiry, so a long-lived worker keeps
working across token TTLs. Configuration comes from the arguments or, when
omitted, from settings (``VAULT_ADDR``, ``VAULT_ROLE_ID``, ``VAULT_SECRET_ID``,
``VAULT_TOKEN``, ``VAULT_TIMEOUT``). Nothing here logs a token or a secret id.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

RENEW_MARGIN_SECONDS = 60.0


@dataclass(frozen=True)
class VaultConfig:
    addr: str
    role_id: str = ""
    secret_id: str = ""
    token: str = ""
    timeout: float = 5.0
    approle_mount: str = "approle"

    def __repr__(self) -> str:  # never print credentials
        return f"VaultConfig(addr={self.addr!r}, auth={'approle' if self.role_id else 'token'})"

    @classmethod
    def from_settings(cls) -> VaultConfig:
        from django.conf import settings

        return cls(
            addr=getattr(settings, "VAULT_ADDR", ""),
            role_id=getattr(settings, "VAULT_ROLE_ID", ""),
            secret_id=getattr(settings, "VAULT_SECRET_ID", ""),
            token=getattr(settings, "VAULT_TOKEN", ""),
            timeout=float(getattr(settings, "VAULT_TIMEOUT", 5.0)),
        )


class VaultSession:
    """An hvac client that (re)authenticates itself; thread-safe."""

    def __init__(self, config: VaultConfig, *, clock=time.monotonic) -> None:
        if not config.addr:
            raise ValueError("VAULT_ADDR is not set")
        if not (config.token or (config.role_id and config.secret_id)):
            raise ValueError("Vault needs VAULT_ROLE_ID and VAULT_SECRET_ID (or VAULT_TOKEN in development)")
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._client = None
        self._expires_at = 0.0

    def client(self):
        """An authenticated ``hvac.Client``."""
        import hvac

        with self._lock:
            if self._client is None or self._clock() >= self._expires_at - RENEW_MARGIN_SECONDS:
                client = hvac.Client(url=self.config.addr, timeout=self.config.timeout)
                if self.config.role_id:
                    auth = client.auth.approle.login(
                        role_id=self.config.role_id,
                        secret_id=self.config.secret_id,
                        mount_point=self.config.approle_mount,
                    )["auth"]
                    client.token = auth["client_token"]
                    ttl = float(auth.get("lease_duration") or 0) or float("inf")
                else:
                    client.token = self.config.token
                    ttl = float("inf")
                self._client = client
                self._expires_at = self._clock() + ttl
            return self._client


_session: VaultSession | None = None
_session_lock = threading.Lock()


def vault_session() -> VaultSession:
    """The process's session, built from settings on first use."""
    global _session
    with _session_lock:
        if _session is None:
            _session = VaultSession(VaultConfig.from_settings())
        return _session


def reset_vault_session() -> None:
    """Forget the process's session (tests; after the Vault settings change)."""
    global _session
    with _session_lock:
        _session = None
