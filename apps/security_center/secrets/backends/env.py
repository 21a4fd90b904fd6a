"""Secrets from environment variables ``STRONGROOM_SECRET_<NAME>``: read-only, one version, no age.

Honest only where the environment is the store (tests, or a platform that
injects secrets as variables and rotates by restarting). It cannot rotate:
``write`` refuses, so ``rotate_secret`` says so instead of pretending.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from apps.security_center.secrets.base import SecretBackendError, SecretNotFound, SecretRecord, SecretVersion

PREFIX = "STRONGROOM_SECRET_"


class EnvBackend:
    kind = "env"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def __repr__(self) -> str:
        return "EnvBackend()"

    def describe(self) -> str:
        return f"environment variables {PREFIX}*"

    def read(self, name: str) -> SecretRecord:
        value = self._environ.get(PREFIX + name.upper(), "")
        if not value:
            raise SecretNotFound(f"secret {name!r} is not in the environment")
        return SecretRecord(name, SecretVersion("env", value, None))

    def write(self, name: str, value: str) -> SecretRecord:
        raise SecretBackendError("the env backend is read-only: set the variable and restart the processes")

    def names(self) -> list[str]:
        return sorted(k[len(PREFIX) :].lower() for k, v in self._environ.items() if k.startswith(PREFIX) and v)
