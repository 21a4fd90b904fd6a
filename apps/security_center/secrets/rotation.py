"""Rotating a secret: a new version in the backend, the previous kept, one audit event and one metric.

Why the previous is kept: ``SECRET_KEY`` rotates through
``SECRET_KEY_FALLBACKS`` (sessions and reset tokens signed with the old key
stay valid until they would have expired anyway), and third-party
credentials are picked up by every process within the provider's TTL, so the
old value must keep working at the third party for that long (rotate there
with an overlap: issue the new key, rotate here, revoke the old one after
the TTL). The backend write is not transactional with the database, so the
audit event is written after it succeeds; the event carries the name and the
versions, never a value.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from apps.security_center.secrets import get_provider
from apps.security_center.secrets.base import (
    DATABASE_PASSWORD,
    SecretError,
    SecretNotFound,
)
from apps.security_center.secrets.bootstrap import GENERATORS
from apps.security_center.secrets.metrics import SECRET_ROTATIONS, count
from apps.security_center.secrets.provider import SecretsProvider

AUDIT_ACTION = "security_center.secret.rotated"
MIN_LENGTH = 16
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


class RotationRefused(SecretError):
    """The rotation was not attempted (bad name, weak value, a secret this command must not rotate)."""

    status = 400
    code = "secret_rotation_refused"


@dataclass(frozen=True)
class Rotation:
    name: str
    backend: str
    previous_version: str | None
    version: str
    fallbacks_kept: int

    def __str__(self) -> str:
        before = f"version {self.previous_version}" if self.previous_version else "no previous version"
        return f"{self.name}: {before} -> version {self.version} ({self.backend})"


def generate_value(name: str) -> str:
    """A fresh random value of the kind the secret needs."""
    return GENERATORS.get(name, lambda: secrets.token_urlsafe(32))()


def rotate_secret(
    name: str,
    *,
    value: str | None = None,
    actor: Any = None,
    actor_label: str = "",
    provider: SecretsProvider | None = None,
) -> Rotation:
    """Store a new version of ``name`` (generated unless ``value`` is given) and audit it."""
    from apps.audit.services import record_event

    if not name or set(name) - _NAME_CHARS:
        raise RotationRefused("a secret name is lower-case letters, digits and underscores")
    if name == DATABASE_PASSWORD:
        raise RotationRefused(
            "the database password rotates with overlapping login roles: follow docs/runbooks/secret-rotation.md"
        )
    if value is not None and len(value) < MIN_LENGTH:
        raise RotationRefused(f"a new value must be at least {MIN_LENGTH} characters")
    provider = provider or get_provider()
    try:
        before = provider.backend.read(name)
    except SecretNotFound:
        before = None
    if before is not None and value is not None and value == before.current.value:
        raise RotationRefused("the new value is the current one")
    after = provider.backend.write(name, value if value is not None else generate_value(name))
    provider.forget(name)
    rotation = Rotation(
        name=name,
        backend=provider.backend.kind,
        previous_version=before.current.version if before else None,
        version=after.current.version,
        fallbacks_kept=len(after.previous),
    )
    record_event(
        AUDIT_ACTION,
        actor=actor,
        actor_label=actor_label,
        target_type="security_center.secret",
        target_id=name,
        before={"version": rotation.previous_version},
        after={"version": rotation.version, "backend": rotation.backend},
        extra={"name": name},
    )
    count(SECRET_ROTATIONS, secret=name, backend=rotation.backend)
    return rotation
