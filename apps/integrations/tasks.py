"""Housekeeping of the integrations app."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant


@shared_task(name="maintenance.purge_oauth_states")
def purge_oauth_states() -> int:
    """Beat: delete OAuth states past their expiry (used or not); each business's rows in its own context."""
    from apps.integrations.hmrc.models import OAuthState

    now = timezone.now()
    removed = 0
    for tenant_id in Tenant.objects.values_list("pk", flat=True):
        with tenant_context(tenant_id):
            removed += OAuthState.objects.filter(expires_at__lt=now).delete()[0]
    return removed
