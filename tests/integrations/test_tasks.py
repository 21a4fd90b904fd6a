from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.integrations.hmrc.models import OAuthState
from apps.integrations.tasks import purge_oauth_states
from apps.tenancy.context import tenant_context
from tests.factories import OAuthStateFactory

pytestmark = pytest.mark.django_db


def test_expired_oauth_states_are_purged_in_every_business(tenant_a, tenant_b):
    old = timezone.now() - timedelta(minutes=1)
    OAuthStateFactory(tenant=tenant_a, expires_at=old)
    OAuthStateFactory(tenant=tenant_b, expires_at=old)
    live = OAuthStateFactory(tenant=tenant_a)
    assert purge_oauth_states() == 2
    with tenant_context(tenant_a):
        assert list(OAuthState.objects.values_list("pk", flat=True)) == [live.pk]
