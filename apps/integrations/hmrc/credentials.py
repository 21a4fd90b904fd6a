"""The HMRC application's client secret (see apps/integrations/credentials.py for where it comes from)."""

from __future__ import annotations

from apps.integrations.credentials import secret_from_env_or_sandbox

SANDBOX_LABEL = "hmrc-sandbox-client-secret"


def client_secret() -> str:
    """Env HMRC_CLIENT_SECRET, or HMAC-SHA256(SECRET_KEY, "hmrc-sandbox-client-secret") hex with the sandbox on."""
    return secret_from_env_or_sandbox("HMRC_CLIENT_SECRET", SANDBOX_LABEL)
