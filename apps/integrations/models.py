"""Models of the integrations app live with their client (hmrc/models.py); imported here so Django finds them."""

from apps.integrations.hmrc.models import HmrcConnection, OAuthState

__all__ = ["HmrcConnection", "OAuthState"]
