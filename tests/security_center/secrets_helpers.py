"""Helpers for the secrets tests: a controllable clock and a provider over a fresh local keystore."""

from __future__ import annotations

from pathlib import Path

from apps.security_center.secrets.backends.local import LocalKeystore, decode_key, new_key
from apps.security_center.secrets.provider import SecretsProvider


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def local_provider(tmp_path: Path, *, ttl: float = 60, grace: float = 120, clock=None) -> SecretsProvider:
    backend = LocalKeystore(tmp_path / "secrets.keystore", decode_key(new_key()))
    return SecretsProvider(backend, ttl=ttl, grace=grace, clock=clock or Clock())
