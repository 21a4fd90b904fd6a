"""The secrets provider's vocabulary: names, versions, records, the backend interface and its errors.

A secret's value is held only by :class:`SecretVersion`, whose ``repr`` and
``str`` never show it, so a value cannot reach a log line, a traceback's
locals summary or an error page by being formatted. Errors carry secret
*names* and backend kinds, never values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from apps.core.errors import ApplicationError

# The secrets the application reads. Others may be stored; these are the ones settings and integrations know.
SECRET_KEY = "secret_key"
DATABASE_PASSWORD = "database_password"
HMRC_CLIENT_SECRET = "hmrc_client_secret"
COMPANIES_HOUSE_API_KEY = "companies_house_api_key"
BANK_FEED_API_KEY = "bank_feed_api_key"
KNOWN_SECRETS = (SECRET_KEY, DATABASE_PASSWORD, HMRC_CLIENT_SECRET, COMPANIES_HOUSE_API_KEY, BANK_FEED_API_KEY)
# Secrets whose previous versions stay in use after a rotation (SECRET_KEY_FALLBACKS).
WITH_FALLBACKS = frozenset({SECRET_KEY})


class SecretError(ApplicationError):
    """Base of the provider's errors. Messages name the secret and the backend, never a value."""

    status = 503
    code = "secret_error"
    default_message = "A credential the service needs is not available right now. Try again shortly."


class SecretUnavailable(SecretError):
    """The backend could not be read and the last good value is older than TTL + grace: fail closed."""

    code = "secret_unavailable"


class SecretNotFound(SecretError):
    """The backend answered, and it holds no such secret."""

    code = "secret_not_found"


class SecretBackendError(SecretError):
    """One backend call failed (network, auth, permission). The provider turns it into stale-or-unavailable."""

    code = "secret_backend_error"


class SecretConfigurationError(SecretError):
    """The provider is misconfigured (unknown backend, unsafe key file). Raised at start-up, not per request."""

    code = "secret_configuration"


@dataclass(frozen=True)
class SecretVersion:
    """One version of one secret. ``value`` is excluded from repr and comparison output."""

    version: str
    value: str = field(repr=False)
    created_at: datetime | None = None

    def __str__(self) -> str:
        return f"<secret version {self.version}>"


@dataclass(frozen=True)
class SecretRecord:
    """A secret as the backend holds it: the current version and the previous ones still readable (newest first)."""

    name: str
    current: SecretVersion
    previous: tuple[SecretVersion, ...] = ()
    first_created_at: datetime | None = None

    @property
    def rotated_at(self) -> datetime | None:
        """When the current version was written (its age is measured from here)."""
        return self.current.created_at

    def __str__(self) -> str:
        return f"<secret {self.name} v{self.current.version}>"


class Backend(Protocol):
    """Where secrets live. Implementations raise SecretNotFound or SecretBackendError, nothing else."""

    kind: str

    def read(self, name: str) -> SecretRecord: ...

    def write(self, name: str, value: str) -> SecretRecord:
        """Store ``value`` as the new current version; the previous stays readable as ``previous[0]``."""
        ...

    def names(self) -> list[str]: ...

    def describe(self) -> str:
        """Where the secrets are, for the security center and logs (no credentials)."""
        ...
