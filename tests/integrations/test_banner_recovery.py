"""An automatic degraded banner goes at the dependency's first real answer, not when someone remembers."""

from __future__ import annotations

from datetime import date

import pytest
from waffle import switch_is_active

from apps.integrations.errors import ExternalServiceUnavailable
from apps.integrations.hmrc.vat_client import HmrcVatClient
from apps.monitors.banners import set_degraded
from apps.observability.models import DegradedDependency
from apps.sandbox.fixtures import DEMO_VRN
from apps.sandbox.services.faults import clear_faults, set_fault
from tests.fph import SYSTEM

pytestmark = pytest.mark.django_db(transaction=True)  # waffle flushes its switch cache on commit


def _read(tenant) -> None:
    HmrcVatClient(tenant, initiator=SYSTEM).obligations(
        DEMO_VRN, from_date=date(2017, 1, 1), to_date=date(2017, 12, 31)
    )


def test_the_first_answer_from_hmrc_clears_the_banner_the_monitors_set(tenant_a, hmrc_connected):
    set_degraded("hmrc", source=DegradedDependency.Source.SYNTHETIC)
    set_fault("hmrc", outage=True)
    try:
        with pytest.raises(ExternalServiceUnavailable):
            _read(tenant_a)
        assert switch_is_active("hmrc_degraded")  # still down: the banner stays
    finally:
        clear_faults()
    _read(tenant_a)
    assert not switch_is_active("hmrc_degraded")
    assert not DegradedDependency.objects.filter(dependency="hmrc").exists()


def test_a_banner_staff_set_stays_until_staff_clear_it(tenant_a, hmrc_connected, staff_user):
    set_degraded(
        "hmrc", message="Planned HMRC maintenance tonight.", source=DegradedDependency.Source.STAFF, user=staff_user
    )
    _read(tenant_a)
    assert switch_is_active("hmrc_degraded")
