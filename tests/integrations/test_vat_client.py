"""The VAT client against the sandbox: parsing, exact amounts, every error HMRC's API can give, faults."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.integrations.errors import (
    DuplicateSubmission,
    ExternalServiceUnavailable,
    HmrcNotConnected,
    HmrcRejected,
    RateLimited,
)
from apps.integrations.hmrc import selectors, vat_client
from apps.integrations.hmrc.initiator import UserInitiated
from apps.integrations.hmrc.models import HmrcConnection
from apps.integrations.hmrc.vat_client import HmrcVatClient, Liability, Obligation, Payment, return_body_json
from apps.sandbox.fixtures import DEMO_VRN, OTHER_VRN
from apps.sandbox.services.faults import set_fault
from tests.fph import SYSTEM
from tests.integrations.conftest import external_calls

pytestmark = pytest.mark.django_db

TODAY = date.today()


def body(period_key: str = "18A1", **overrides):
    values = {
        "periodKey": period_key,
        "vatDueSales": Decimal("2050.00"),
        "vatDueAcquisitions": Decimal("0.00"),
        "totalVatDue": Decimal("2050.00"),
        "vatReclaimedCurrPeriod": Decimal("800.10"),
        "netVatDue": Decimal("1249.90"),
        "totalValueSalesExVAT": Decimal("14500"),
        "totalValuePurchasesExVAT": 4500,
        "totalValueGoodsSuppliedExVAT": Decimal("0.00"),
        "totalAcquisitionsExVAT": 0,
        "finalised": True,
    }
    return {**values, **overrides}


@pytest.fixture
def client(hmrc_connected, tenant_a, no_faults):
    return HmrcVatClient(tenant_a, initiator=SYSTEM)


def last_request(sandbox_http, fragment: str):
    return [r for r in sandbox_http.requests if fragment in r.url][-1]


# --- serialisation -------------------------------------------------------------------------------


def test_amounts_are_written_exactly():
    text = return_body_json(body())
    assert '"vatDueSales":2050.00' in text
    assert '"vatReclaimedCurrPeriod":800.10' in text
    assert '"netVatDue":1249.90' in text
    assert '"totalValueSalesExVAT":14500,' in text
    assert '"totalValueGoodsSuppliedExVAT":0,' in text
    assert text.endswith('"finalised":true}')
    parsed = json.loads(text, parse_float=Decimal)
    assert parsed["vatReclaimedCurrPeriod"] == Decimal("800.10")
    assert list(parsed) == list(vat_client.RETURN_FIELDS)
    big = return_body_json(body(vatDueSales=Decimal("9999999999999.99"), totalVatDue=Decimal("9999999999999.99")))
    assert '"vatDueSales":9999999999999.99' in big


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("vatDueSales", 2050.0, "floats lose pence"),
        ("vatDueSales", Decimal("1.005"), "more than two decimal places"),
        ("totalValueSalesExVAT", Decimal("14500.50"), "whole pounds"),
        ("netVatDue", "abc", "not a number"),
        ("periodKey", "18a1", "periodKey"),
        ("finalised", "yes", "boolean"),
    ],
)
def test_amounts_that_cannot_be_written_exactly_are_refused(field, value, message):
    with pytest.raises(ValueError, match=message):
        return_body_json(body(**{field: value}))


def test_a_body_without_all_eleven_fields_is_refused():
    incomplete = body()
    del incomplete["netVatDue"]
    with pytest.raises(ValueError, match="missing"):
        return_body_json(incomplete)


# --- happy paths ---------------------------------------------------------------------------------


def test_obligations_are_typed(client, sandbox_http):
    items = client.obligations(DEMO_VRN, from_date=TODAY - timedelta(days=360), to_date=TODAY)
    assert items and all(isinstance(o, Obligation) for o in items)
    assert all(o.status in {"O", "F"} and isinstance(o.start, date) and o.end >= o.start for o in items)
    sent = last_request(sandbox_http, "/obligations")
    assert sent.headers["Accept"] == "application/vnd.hmrc.1.0+json"
    assert sent.headers["Authorization"].startswith("Bearer ")
    assert "Gov-Test-Scenario" not in sent.headers
    assert "from=" in sent.url and "to=" in sent.url


def test_canned_obligations_with_a_test_scenario(client, sandbox_http):
    items = client.obligations(
        DEMO_VRN, from_date=date(2017, 1, 1), to_date=date(2017, 12, 31), test_scenario="QUARTERLY_TWO_MET"
    )
    assert [(o.period_key, o.status) for o in items] == [("18A1", "F"), ("18A2", "F"), ("18A3", "O")]
    assert items[0].received == date(2017, 5, 6)
    assert items[2].received is None
    assert last_request(sandbox_http, "/obligations").headers["Gov-Test-Scenario"] == "QUARTERLY_TWO_MET"


def test_submit_then_view_round_trips_exactly(client, sandbox_http, tenant_a):
    receipt = HmrcVatClient(tenant_a, initiator=UserInitiated({})).submit_return(DEMO_VRN, body())
    assert isinstance(receipt.processing_date, datetime) and receipt.processing_date.tzinfo is not None
    assert len(receipt.form_bundle_number) == 12 and receipt.form_bundle_number.isdigit()
    assert receipt.payment_indicator in {None, "DD", "BANK"}
    assert receipt.receipt_id and receipt.correlation_id
    sent = last_request(sandbox_http, "/returns")
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Gov-Client-Connection-Method"] == "WEB_APP_VIA_SERVER"
    assert b'"vatReclaimedCurrPeriod":800.10' in sent.body
    returned = client.view_return(DEMO_VRN, "18A1")
    assert returned["vatReclaimedCurrPeriod"] == Decimal("800.10")
    assert returned["netVatDue"] == Decimal("1249.90")
    assert returned["totalValueSalesExVAT"] == Decimal("14500")
    assert returned["periodKey"] == "18A1"


def test_submitting_the_same_period_twice_is_a_duplicate(client):
    client.submit_return(DEMO_VRN, body("18A2"))
    with pytest.raises(DuplicateSubmission) as caught:
        client.submit_return(DEMO_VRN, body("18A2"))
    assert caught.value.code == "DUPLICATE_SUBMISSION" and caught.value.hmrc_status == 403
    assert not caught.value.retryable
    assert "already has a VAT return" in caught.value.message


def test_liabilities_and_payments_are_typed_with_exact_amounts(client):
    liabilities = client.liabilities(
        DEMO_VRN, from_date=date(2017, 4, 5), to_date=date(2017, 12, 21), test_scenario="MULTIPLE_LIABILITIES"
    )
    assert all(isinstance(item, Liability) for item in liabilities)
    assert [item.original_amount for item in liabilities] == [
        Decimal("463872"), Decimal("15"), Decimal("8493.38"), Decimal("3000")
    ]  # fmt: skip
    assert liabilities[2].outstanding_amount == Decimal("7493.38")
    assert liabilities[2].type == "VAT CA Charge" and liabilities[2].due == date(2017, 10, 7)
    payments = client.payments(
        DEMO_VRN, from_date=date(2017, 1, 2), to_date=date(2017, 2, 2), test_scenario="SINGLE_PAYMENT"
    )
    assert payments == [Payment(amount=Decimal("1534.65"), received=date(2017, 2, 12))]


def test_no_liabilities_or_payments_is_an_empty_list(client):
    assert client.liabilities(DEMO_VRN, from_date=date(2017, 1, 2), to_date=date(2017, 2, 2)) == []
    old = {"from_date": date(2018, 1, 2), "to_date": date(2018, 2, 2)}
    assert client.payments(DEMO_VRN, **old, test_scenario="SINGLE_PAYMENT") == []


# --- every error the API can give ----------------------------------------------------------------

SUBMIT_SCENARIOS = [
    ("INVALID_VRN", HmrcRejected, "VRN_INVALID", 400),
    ("INVALID_PERIODKEY", HmrcRejected, "PERIOD_KEY_INVALID", 400),
    ("INVALID_PAYLOAD", HmrcRejected, "INVALID_REQUEST", 400),
    ("DUPLICATE_SUBMISSION", DuplicateSubmission, "DUPLICATE_SUBMISSION", 403),
    ("TAX_PERIOD_NOT_ENDED", HmrcRejected, "TAX_PERIOD_NOT_ENDED", 403),
    ("INSOLVENT_TRADER", HmrcRejected, "RULE_INSOLVENT_TRADER", 403),
    ("NO_SUCH_SCENARIO", HmrcRejected, "RULE_INCORRECT_GOV_TEST_SCENARIO", 400),
]


@pytest.mark.parametrize(("scenario", "error", "code", "status"), SUBMIT_SCENARIOS)
def test_submit_errors(client, scenario, error, code, status):
    before = external_calls("hmrc", "submit_return", "rejected")
    with pytest.raises(error) as caught:
        client.submit_return(DEMO_VRN, body("18A3"), test_scenario=scenario)
    assert type(caught.value) is error
    assert caught.value.code == code and caught.value.hmrc_status == status
    assert not caught.value.retryable and caught.value.message
    assert external_calls("hmrc", "submit_return", "rejected") == before + 1


@pytest.mark.parametrize(
    ("call", "scenario", "code", "status"),
    [
        ("obligations", "INSOLVENT_TRADER", "RULE_INSOLVENT_TRADER", 403),
        ("obligations", "NO_SUCH_SCENARIO", "RULE_INCORRECT_GOV_TEST_SCENARIO", 400),
        ("view_return", "DATE_RANGE_TOO_LARGE", "DATE_RANGE_TOO_LARGE", 403),
        ("view_return", "INSOLVENT_TRADER", "RULE_INSOLVENT_TRADER", 403),
        ("liabilities", "INSOLVENT_TRADER", "RULE_INSOLVENT_TRADER", 403),
        ("payments", "INSOLVENT_TRADER", "RULE_INSOLVENT_TRADER", 403),
        ("payments", "NO_SUCH_SCENARIO", "RULE_INCORRECT_GOV_TEST_SCENARIO", 400),
    ],
)
def test_read_errors(client, call, scenario, code, status):
    dates = {"from_date": date(2017, 1, 2), "to_date": date(2017, 2, 2)}
    args = {"view_return": ((DEMO_VRN, "18A1"), {})}.get(call, ((DEMO_VRN,), dates))
    with pytest.raises(HmrcRejected) as caught:
        getattr(client, call)(*args[0], **args[1], test_scenario=scenario)
    assert caught.value.code == code and caught.value.hmrc_status == status


def test_obligations_not_found_is_an_empty_list(client):
    year = {"from_date": date(2017, 1, 1), "to_date": date(2017, 12, 31)}
    assert client.obligations(DEMO_VRN, **year, test_scenario="NOT_FOUND") == []


@pytest.mark.parametrize(
    ("from_date", "to_date", "status", "code"),
    [
        (date(2024, 3, 1), date(2024, 1, 1), None, "INVALID_DATE_RANGE"),
        (date(2022, 1, 1), date(2024, 1, 1), None, "INVALID_DATE_RANGE"),
        (date(2024, 1, 1), date(2024, 3, 1), "X", "INVALID_STATUS"),
    ],
)
def test_obligation_validation_errors_in_the_legacy_shape(client, from_date, to_date, status, code):
    with pytest.raises(HmrcRejected) as caught:
        client.obligations(DEMO_VRN, from_date=from_date, to_date=to_date, status=status)
    assert caught.value.code == code and caught.value.hmrc_status == 400


def test_financial_date_errors(client):
    with pytest.raises(HmrcRejected) as caught:
        client.liabilities(DEMO_VRN, from_date=date(2015, 1, 1), to_date=date(2015, 6, 1))
    assert caught.value.code == "DATE_FROM_INVALID"
    with pytest.raises(HmrcRejected) as caught:
        client.payments(DEMO_VRN, from_date=TODAY - timedelta(days=10), to_date=TODAY + timedelta(days=10))
    assert caught.value.code == "DATE_TO_INVALID"


def test_figures_hmrc_refuses_come_back_per_box(client):
    with pytest.raises(HmrcRejected) as caught:
        client.submit_return(DEMO_VRN, body("18A4", totalVatDue=Decimal("2051.00")))
    assert caught.value.code == "INVALID_REQUEST" and caught.value.hmrc_status == 400
    assert {e["code"] for e in caught.value.errors} >= {"VAT_TOTAL_VALUE"}
    assert "box 3" in caught.value.message
    with pytest.raises(HmrcRejected) as caught:
        client.submit_return(DEMO_VRN, body("18A4", finalised=False))
    assert caught.value.code == "NOT_FINALISED" and caught.value.hmrc_status == 403


def test_a_return_that_does_not_exist(client):
    with pytest.raises(HmrcRejected) as caught:
        client.view_return(DEMO_VRN, "17A9")
    assert caught.value.code == "NOT_FOUND" and caught.value.hmrc_status == 404


def test_a_vrn_the_connection_does_not_cover(client):
    with pytest.raises(HmrcRejected) as caught:
        client.obligations(OTHER_VRN, from_date=date(2017, 1, 1), to_date=date(2017, 12, 31))
    assert caught.value.code == "CLIENT_OR_AGENT_NOT_AUTHORISED" and caught.value.hmrc_status == 403


def test_malformed_identifiers_never_leave_the_building(client, sandbox_http):
    sent = len(sandbox_http.requests)
    with pytest.raises(HmrcRejected) as caught:
        client.obligations("12345", from_date=date(2017, 1, 1), to_date=date(2017, 2, 1))
    assert caught.value.code == "VRN_INVALID"
    with pytest.raises(HmrcRejected) as caught:
        client.view_return(DEMO_VRN, "../x")
    assert caught.value.code == "PERIOD_KEY_INVALID"
    assert len(sandbox_http.requests) == sent


def test_a_hash_in_the_period_key_is_encoded(client, sandbox_http):
    with pytest.raises(HmrcRejected):
        client.view_return(DEMO_VRN, "#001")
    assert last_request(sandbox_http, "/returns/").url.endswith("/returns/%23001")


def test_gateway_errors(client, monkeypatch):
    monkeypatch.setattr(vat_client, "ACCEPT", "application/vnd.hmrc.9.0+json")
    with pytest.raises(HmrcRejected) as caught:
        client.obligations(DEMO_VRN, from_date=date(2017, 1, 1), to_date=date(2017, 12, 31))
    assert caught.value.code == "ACCEPT_HEADER_INVALID" and caught.value.hmrc_status == 406
    monkeypatch.undo()
    with pytest.raises(HmrcRejected) as caught:
        client._request("unknown", "GET", f"/organisations/vat/{DEMO_VRN}/nowhere", lambda r: r)
    assert caught.value.code == "MATCHING_RESOURCE_NOT_FOUND" and caught.value.hmrc_status == 404


# --- tokens --------------------------------------------------------------------------------------


def _store_tokens(tenant, in_tenant, **values):
    with in_tenant(tenant):
        row = HmrcConnection.objects.get()
        for name, value in values.items():
            setattr(row, name, value)
        row.save()


def test_a_refused_token_is_refreshed_once_and_the_call_retried(client, tenant_a, in_tenant, sandbox_http):
    _store_tokens(tenant_a, in_tenant, access_token="stale-token")
    year = {"from_date": date(2017, 1, 1), "to_date": date(2017, 12, 31)}
    items = client.obligations(DEMO_VRN, **year, test_scenario="QUARTERLY_ONE_MET")
    assert len(items) == 2
    refreshes = [r for r in sandbox_http.requests if r.url.endswith("/oauth/token") and "refresh_token" in r.body]
    assert len(refreshes) == 1
    assert selectors.connection_for(tenant_a).status == HmrcConnection.Status.CONNECTED


def test_a_refused_token_that_cannot_be_refreshed_means_reconnect(client, tenant_a, in_tenant):
    _store_tokens(tenant_a, in_tenant, access_token="stale-token", refresh_token="dead-refresh-token")
    with pytest.raises(HmrcNotConnected):
        client.submit_return(DEMO_VRN, body("18A1"))
    assert selectors.connection_for(tenant_a).status == HmrcConnection.Status.NEEDS_REAUTH


def test_a_token_refused_even_after_refreshing_means_reconnect(client, tenant_a, in_tenant, monkeypatch):
    from apps.integrations.hmrc import tokens

    _store_tokens(tenant_a, in_tenant, access_token="stale-token")
    monkeypatch.setattr(tokens, "refresh_after_rejection", lambda tenant, token: "still-not-valid")
    with pytest.raises(HmrcNotConnected):
        client.obligations(DEMO_VRN, from_date=date(2017, 1, 1), to_date=date(2017, 12, 31))
    assert selectors.connection_for(tenant_a).status == HmrcConnection.Status.NEEDS_REAUTH


def test_a_token_without_the_scope_means_reconnect(client, tenant_a, in_tenant):
    from apps.sandbox.models import Token
    from apps.sandbox.services import oauth as sandbox_oauth

    now = timezone.now()
    issued = sandbox_oauth._issue(
        kind=Token.Kind.USER, client_id="strongroom-sandbox", scopes="read:vat", vrn=DEMO_VRN,
        grant_id=__import__("uuid").uuid4(), grant_started_at=now, now=now,
    )  # fmt: skip
    _store_tokens(tenant_a, in_tenant, access_token=issued.access_token)
    with pytest.raises(HmrcNotConnected) as caught:
        client.submit_return(DEMO_VRN, body("18A1"))
    assert caught.value.code == "INVALID_SCOPE"


def test_not_connected_at_all(tenant_a, sandbox_http):
    with pytest.raises(HmrcNotConnected):
        HmrcVatClient(tenant_a, initiator=SYSTEM).obligations(
            DEMO_VRN, from_date=date(2017, 1, 1), to_date=date(2017, 12, 31)
        )


# --- faults --------------------------------------------------------------------------------------


def test_an_outage_is_retryable(client):
    set_fault("hmrc", outage=True)
    before = external_calls("hmrc", "obligations", "unavailable")
    with pytest.raises(ExternalServiceUnavailable) as caught:
        client.obligations(DEMO_VRN, from_date=date(2017, 1, 1), to_date=date(2017, 12, 31))
    assert caught.value.retryable and caught.value.code == "SERVICE_UNAVAILABLE"
    assert not isinstance(caught.value, RateLimited)
    assert external_calls("hmrc", "obligations", "unavailable") == before + 1


def test_throttling_is_rate_limited(client):
    set_fault("hmrc", rate_limited=True)
    before = external_calls("hmrc", "submit_return", "rate_limited")
    with pytest.raises(RateLimited) as caught:
        client.submit_return(DEMO_VRN, body("18A1"))
    assert caught.value.code == "MESSAGE_THROTTLED_OUT" and caught.value.retry_after is None
    assert external_calls("hmrc", "submit_return", "rate_limited") == before + 1


def test_server_errors_are_retryable(client):
    set_fault("hmrc", error_rate=1.0)
    with pytest.raises(ExternalServiceUnavailable) as caught:
        client.view_return(DEMO_VRN, "18A1")
    assert caught.value.code == "INTERNAL_SERVER_ERROR" and caught.value.retryable


def test_latency_beyond_the_read_timeout_is_a_timeout(client, settings):
    settings.EXTERNAL_READ_TIMEOUT = 0.05
    set_fault("hmrc", latency_ms=200)
    before = external_calls("hmrc", "obligations", "timeout")
    with pytest.raises(ExternalServiceUnavailable) as caught:
        client.obligations(DEMO_VRN, from_date=date(2017, 1, 1), to_date=date(2017, 12, 31))
    assert caught.value.code == "TIMEOUT"
    assert external_calls("hmrc", "obligations", "timeout") == before + 1
