"""Client secrets and API keys: from the secrets provider, or derived from SECRET_KEY for the local sandbox only.

There is no secret in the repository. The value comes from the secrets
provider (apps/security_center/secrets: Vault, AWS Secrets Manager or the
local keystore), read through its TTL cache on every call, so a rotation is
used within SECRETS_TTL_SECONDS without a restart. An explicitly set
environment variable still wins (platforms that inject secrets as variables;
those rotate by restarting). With neither and SANDBOX_ENABLED, the value is
HMAC-SHA256(SECRET_KEY, label): stable for one installation, and the sandbox
validates against the same function. Otherwise the client refuses to run
(ImproperlyConfigured) rather than send something invented.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables

from apps.security_center.secrets import get_secret_optional


def derived_secret(label: str) -> str:
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, label.encode("utf-8"), hashlib.sha256).hexdigest()


@sensitive_variables("value")
def provided_secret(secret_name: str, env_name: str, sandbox_label: str) -> str:
    """The environment's override; else the provider's current value; else, only with the sandbox on, the derived one.

    The provider being unreachable past its grace raises SecretUnavailable (503): fail closed, never derive.
    """
    value = os.environ.get(env_name, "").strip()
    if value:
        return value
    value = get_secret_optional(secret_name)
    if value:
        return value
    if settings.SANDBOX_ENABLED:
        return derived_secret(sandbox_label)
    raise ImproperlyConfigured(
        f"{env_name} must be set, or the secret {secret_name!r} stored in the secrets backend "
        "(the sandbox is off, so no local value can be derived)"
    )
