"""The HMRC application's client secret (see apps/integrations/credentials.py for where it comes from)."""

from __future__ import annotations

from apps.integrations.credentials import provided_secret

SANDBOX_LABEL = "hmrc-sandbox-client-secret"


def client_secret() -> str:
    """Env HMRC_CLIENT_SECRET, else secret ``hmrc_client_secret`` (TTL-cached), else the sandbox's derived one."""
    return provided_secret("hmrc_client_secret", "HMRC_CLIENT_SECRET", SANDBOX_LABEL)
