"""A tenant's connection to HMRC (OAuth tokens) and the pending authorisations that lead to one.

Tokens are envelope-encrypted (EncryptedTextField, per-tenant data key); raw
SQL shows ciphertext only. One connection row per tenant, updated in place on
reconnect, so the row lock that serialises refreshes is always the same row.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.security_center.crypto.fields import EncryptedJSONField, EncryptedTextField
from apps.tenancy.models import TenantScopedModel

# Refresh an access token that expires within this long (refreshing takes a round trip and calls take time).
REFRESH_MARGIN = timedelta(minutes=5)


class HmrcConnection(TenantScopedModel):
    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_REAUTH = "needs_reauth", "Needs reconnecting"
        REVOKED = "revoked", "Disconnected"
        WRONG_VRN = "wrong_vrn", "Granted for another VAT number"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CONNECTED)
    access_token = EncryptedTextField(label="hmrc.access_token", blank=True)
    refresh_token = EncryptedTextField(label="hmrc.refresh_token", blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.CharField(max_length=200, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    connected_at = models.DateTimeField(null=True, blank=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=200, blank=True)
    # The VRN HMRC confirmed this grant covers (an authorised call for it answered), and when; "" until then.
    verified_vrn = models.CharField(max_length=9, blank=True)
    vrn_verified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="hmrc_connection_one_per_tenant")]

    def __str__(self) -> str:
        return f"HMRC connection ({self.status})"

    @property
    def is_connected(self) -> bool:
        return self.status == self.Status.CONNECTED

    def expires_soon(self, now=None) -> bool:
        now = now or timezone.now()
        return self.expires_at is None or self.expires_at - now <= REFRESH_MARGIN

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class OAuthState(TenantScopedModel):
    """One authorisation journey: bound to a tenant and a user, 10 minutes, single use.

    Only a SHA-256 of the state is stored; the state itself travels in the
    browser's redirect to HMRC and back.
    """

    state_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    next_url = models.CharField(max_length=500, blank=True)
    redirect_uri = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # The fraud-prevention context of the request that started the journey (the person's device): the call
    # that checks the grant's VRN at the callback is theirs, but the callback itself runs no JavaScript.
    # Personal data (IP addresses, device id): sealed with the tenant's data key (decision 0025).
    fraud_context = EncryptedJSONField(label="hmrc.oauth_state.fraud_context", default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"HMRC authorisation started {self.created_at:%Y-%m-%d %H:%M}"
