"""Client secrets and API keys: from the environment, or derived from SECRET_KEY for the local sandbox only.

There is no secret in the repository. In production the value must come from
the environment (injected by the secrets provider); without it the client
refuses to run (ImproperlyConfigured) rather than send something invented.
With SANDBOX_ENABLED, and nothing in the environment, the value is
HMAC-SHA256(SECRET_KEY, label): stable for one installation, different
between installations, and the sandbox validates against the same function.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def derived_secret(label: str) -> str:
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, label.encode("utf-8"), hashlib.sha256).hexdigest()


def secret_from_env_or_sandbox(env_name: str, sandbox_label: str) -> str:
    """The environment's value; else, only when the sandbox is on, the derived one."""
    value = os.environ.get(env_name, "").strip()
    if value:
        return value
    if settings.SANDBOX_ENABLED:
        return derived_secret(sandbox_label)
    raise ImproperlyConfigured(f"{env_name} must be set (the sandbox is off, so no local value can be derived)")
