"""The secrets provider (docs/decisions/0022-secrets-provider.md).

``get_secret(name)`` is the one way application code reads a credential: it
goes through the process's :class:`SecretsProvider` (TTL cache, stale-on-error
grace, fail closed), so a rotation is seen within the TTL without a restart.
Settings build the provider once at import (``bootstrap.boot``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from apps.security_center.secrets.base import (
    KNOWN_SECRETS,
    SecretConfigurationError,
    SecretError,
    SecretNotFound,
    SecretRecord,
    SecretUnavailable,
)
from apps.security_center.secrets.provider import SecretsProvider

__all__ = [
    "KNOWN_SECRETS",
    "SecretError",
    "SecretNotFound",
    "SecretRecord",
    "SecretUnavailable",
    "SecretsProvider",
    "get_provider",
    "get_secret",
    "get_secret_optional",
    "set_provider",
    "use_provider",
]

_provider: SecretsProvider | None = None
_lock = threading.Lock()


def set_provider(provider: SecretsProvider | None) -> None:
    global _provider
    with _lock:
        _provider = provider


def get_provider() -> SecretsProvider:
    """The process's provider (installed by settings)."""
    with _lock:
        if _provider is None:
            raise SecretConfigurationError("no secrets provider is configured (settings did not run bootstrap.boot)")
        return _provider


@contextmanager
def use_provider(provider: SecretsProvider) -> Iterator[SecretsProvider]:
    """Swap the process's provider for a block (tests; a one-off command against another backend)."""
    previous = _provider
    set_provider(provider)
    try:
        yield provider
    finally:
        set_provider(previous)


def get_secret(name: str) -> str:
    return get_provider().get(name)


def get_secret_optional(name: str) -> str | None:
    return get_provider().get_optional(name)
