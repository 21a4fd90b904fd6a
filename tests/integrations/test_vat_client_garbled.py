"""An HMRC answer that cannot be read (a proxy's error page, a changed shape) is retryable, never a crash."""

from __future__ import annotations

from datetime import date

import pytest

from apps.integrations.errors import ExternalServiceUnavailable
from apps.integrations.hmrc.vat_client import HmrcVatClient
from apps.sandbox.fixtures import DEMO_VRN
from tests.fph import SYSTEM
from tests.integrations.test_vat_client import body

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.integrations.fake_sandbox_urls")]
DATES = {"from_date": date(2017, 1, 2), "to_date": date(2017, 2, 2)}


@pytest.mark.parametrize("kind", ["text", "shape"])
@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.obligations(DEMO_VRN, **DATES),
        lambda c: c.submit_return(DEMO_VRN, body()),
        lambda c: c.view_return(DEMO_VRN, "18A1"),
        lambda c: c.liabilities(DEMO_VRN, **DATES),
        lambda c: c.payments(DEMO_VRN, **DATES),
    ],
    ids=["obligations", "submit_return", "view_return", "liabilities", "payments"],
)
def test_an_unreadable_answer_is_retryable(hmrc_connected, tenant_a, settings, kind, call):
    settings.HMRC_API_BASE_URL = f"{settings.SITE_URL}/sandbox/fake/garbled/{kind}"
    with pytest.raises(ExternalServiceUnavailable) as caught:
        call(HmrcVatClient(tenant_a, initiator=SYSTEM))
    assert caught.value.code == "BAD_RESPONSE" and caught.value.retryable
