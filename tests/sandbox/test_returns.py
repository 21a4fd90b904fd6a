"""POST /organisations/vat/{vrn}/returns and GET .../returns/{periodKey}.

The contract: docs/contracts/hmrc-vat-api.md, Submission body and View return.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.sandbox.fixtures import DEMO_VRN
from apps.sandbox.models import TestOrganisation, VatReturn
from apps.sandbox.periods import period_containing
from apps.sandbox.scenarios import SUBMIT
from apps.sandbox.vat_rules import MSG_MONEY, MSG_NET, MSG_WHOLE
from tests.sandbox.conftest import a_return

pytestmark = pytest.mark.django_db
UUID = re.compile(r"^[0-9a-f-]{36}$")


def _errors(response) -> list[tuple[str, str]]:
    return [(e["code"], e.get("path", "")) for e in response.json()["errors"]]


def test_success_receipt(hmrc):
    response = hmrc.submit(DEMO_VRN, hmrc.access_token(), a_return("24A1"))
    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["processingDate"])
    assert re.fullmatch(r"\d{12}", body["formBundleNumber"])
    assert 1 <= len(body["chargeRefNumber"]) <= 16  # payable: box 3 > box 4
    assert "paymentIndicator" not in body  # no Direct Debit held by default
    assert UUID.match(response["Receipt-ID"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", response["Receipt-Timestamp"])
    assert response["Receipt-Signature"]
    stored = VatReturn.objects.get()
    assert str(stored.receipt_id) == response["Receipt-ID"]
    assert stored.form_bundle_number == body["formBundleNumber"]
    # Not one of the organisation's obligations, but the key names a quarter in the sandbox's scheme.
    assert (str(stored.period_start), str(stored.period_end)) == ("2024-01-01", "2024-03-31")


def test_payment_indicator(hmrc):
    token = hmrc.access_token()
    TestOrganisation.objects.filter(vrn=DEMO_VRN).update(direct_debit=True)
    payable = hmrc.submit(DEMO_VRN, token, a_return("24A1")).json()
    assert payable["paymentIndicator"] == "DD" and payable["chargeRefNumber"]
    repayment = a_return("24A2", totalVatDue=300.00, vatDueSales=300.00, vatReclaimedCurrPeriod=1000.00, netVatDue=700)
    repaid = hmrc.submit(DEMO_VRN, token, repayment).json()
    assert repaid["paymentIndicator"] == "BANK" and "chargeRefNumber" not in repaid
    nil = a_return("24A3", vatDueSales=0, totalVatDue=0, vatReclaimedCurrPeriod=0, netVatDue=0)
    nothing = hmrc.submit(DEMO_VRN, token, nil).json()
    assert "paymentIndicator" not in nothing and "chargeRefNumber" not in nothing


def test_a_second_return_for_the_same_period_is_a_duplicate(hmrc):
    token = hmrc.access_token()
    assert hmrc.submit(DEMO_VRN, token, a_return("24A1")).status_code == 201
    again = hmrc.submit(DEMO_VRN, token, a_return("24A1"))
    assert again.status_code == 403
    assert again.json() == {
        "code": "BUSINESS_ERROR",
        "message": "Business validation error",
        "errors": [
            {"code": "DUPLICATE_SUBMISSION", "message": "The VAT return was already submitted for the given period."}
        ],
    }
    assert UUID.match(again["Receipt-ID"])
    assert VatReturn.objects.count() == 1


def test_a_period_that_has_not_ended_is_refused(hmrc):
    current = period_containing(timezone.localdate(), 1)
    response = hmrc.submit(DEMO_VRN, hmrc.access_token(), a_return(current.key))
    assert response.status_code == 403
    assert response.json()["code"] == "TAX_PERIOD_NOT_ENDED"
    assert not VatReturn.objects.exists()


def test_view_returns_the_ten_boxes_as_numbers(hmrc):
    token = hmrc.access_token()
    body = a_return(
        "A001",
        vatDueSales=105.5,
        vatDueAcquisitions=-100.45,
        totalVatDue=5.05,
        vatReclaimedCurrPeriod=105.15,
        netVatDue=100.1,
        totalValueSalesExVAT=300,
        totalValuePurchasesExVAT=300,
        totalValueGoodsSuppliedExVAT=3000,
        totalAcquisitionsExVAT=3000,
    )
    assert hmrc.submit(DEMO_VRN, token, body).status_code == 201
    assert VatReturn.objects.get().period_end is None  # a key outside the scheme: accepted, no period
    response = hmrc.get(f"/{DEMO_VRN}/returns/A001", token)
    assert response.status_code == 200
    assert response.content.decode() == (
        '{"periodKey":"A001","vatDueSales":105.5,"vatDueAcquisitions":-100.45,"totalVatDue":5.05,'
        '"vatReclaimedCurrPeriod":105.15,"netVatDue":100.1,"totalValueSalesExVAT":300,'
        '"totalValuePurchasesExVAT":300,"totalValueGoodsSuppliedExVAT":3000,"totalAcquisitionsExVAT":3000}'
    )


def test_view_with_a_hash_key(hmrc):
    token = hmrc.access_token()
    assert hmrc.submit(DEMO_VRN, token, a_return("#001")).status_code == 201
    assert hmrc.get(f"/{DEMO_VRN}/returns/%23001", token).json()["periodKey"] == "#001"


def test_view_of_an_unsubmitted_period_is_404_with_no_body(hmrc):
    response = hmrc.get(f"/{DEMO_VRN}/returns/24A4", hmrc.access_token())
    assert response.status_code == 404
    assert response.content == b""
    assert "Content-Type" not in response


@pytest.mark.parametrize("key", ["24a1", "24A", "24A12", "24-1"])
def test_view_with_a_malformed_key(hmrc, key):
    response = hmrc.get(f"/{DEMO_VRN}/returns/{key}", hmrc.access_token())
    assert response.status_code == 400
    assert response.json() == {
        "code": "INVALID_REQUEST",
        "message": "Invalid request",
        "errors": [{"code": "PERIOD_KEY_INVALID", "message": "Invalid period key"}],
    }


def test_view_scenarios(hmrc):
    token = hmrc.access_token()
    too_far = hmrc.get(f"/{DEMO_VRN}/returns/24A1", token, scenario="DATE_RANGE_TOO_LARGE")
    assert too_far.status_code == 403 and too_far.json()["errors"][0]["code"] == "DATE_RANGE_TOO_LARGE"
    insolvent = hmrc.get(f"/{DEMO_VRN}/returns/24A1", token, scenario="INSOLVENT_TRADER")
    assert insolvent.status_code == 403 and insolvent.json()["code"] == "RULE_INSOLVENT_TRADER"


# --- validation pipeline (levels) ------------------------------------------------------------


def test_media_type_and_malformed_json(hmrc):
    token = hmrc.access_token()
    wrong_type = hmrc.submit(DEMO_VRN, token, a_return(), content_type="text/plain")
    assert wrong_type.status_code == 415
    assert wrong_type.json() == {"code": "INVALID_BODY_TYPE", "message": "Expecting text/json or application/json body"}
    malformed = hmrc.submit(DEMO_VRN, token, '{"periodKey": ')
    assert malformed.status_code == 400 and malformed.json() == {
        "code": "INVALID_REQUEST",
        "message": "Invalid request",
    }
    assert hmrc.submit(DEMO_VRN, token, "[1, 2]").json() == {"code": "INVALID_REQUEST", "message": "Invalid request"}
    assert hmrc.submit(DEMO_VRN, token, json.dumps(a_return()), content_type="text/json").status_code == 201


def test_missing_fields_are_all_reported(hmrc):
    response = hmrc.submit(DEMO_VRN, hmrc.access_token(), {"periodKey": "24A1", "finalised": True})
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_REQUEST"
    assert {e["code"] for e in response.json()["errors"]} == {"MANDATORY_FIELD_MISSING"}
    assert len(response.json()["errors"]) == 9


def test_the_spec_example_with_two_errors(hmrc):
    body = a_return(vatReclaimedCurrPeriod=800.001, totalAcquisitionsExVAT=1.5)
    response = hmrc.submit(DEMO_VRN, hmrc.access_token(), body)
    assert response.status_code == 400
    assert response.json() == {
        "code": "INVALID_REQUEST",
        "message": "Invalid request",
        "errors": [
            {"code": "INVALID_MONETARY_AMOUNT", "message": MSG_MONEY, "path": "/vatReclaimedCurrPeriod"},
            {"code": "INVALID_MONETARY_AMOUNT", "message": MSG_WHOLE, "path": "/totalAcquisitionsExVAT"},
        ],
    }


@pytest.mark.parametrize(
    ("overrides", "code", "path", "message"),
    [
        ({"vatDueSales": "2050.00"}, "INVALID_NUMERIC_VALUE", "/vatDueSales", "please provide a numeric field"),
        ({"vatDueSales": True}, "INVALID_NUMERIC_VALUE", "/vatDueSales", "please provide a numeric field"),
        ({"vatDueSales": 10000000000000.00}, "INVALID_MONETARY_AMOUNT", "/vatDueSales", MSG_MONEY),
        ({"netVatDue": -1250}, "INVALID_MONETARY_AMOUNT", "/netVatDue", MSG_NET),
        ({"netVatDue": 100000000000}, "INVALID_MONETARY_AMOUNT", "/netVatDue", MSG_NET),
        ({"netVatDue": 1250.005}, "INVALID_MONETARY_AMOUNT", "/netVatDue", MSG_NET),
        ({"totalValueSalesExVAT": 14500.5}, "INVALID_MONETARY_AMOUNT", "/totalValueSalesExVAT", MSG_WHOLE),
        ({"totalValueSalesExVAT": 10000000000000}, "INVALID_MONETARY_AMOUNT", "/totalValueSalesExVAT", MSG_WHOLE),
        ({"periodKey": 2401}, "INVALID_STRING_VALUE", "/periodKey", "please provide a string field"),
        ({"periodKey": "24a1"}, "PERIOD_KEY_INVALID", "/periodKey", "period key should be a 4 character string"),
        ({"periodKey": "24A12"}, "PERIOD_KEY_INVALID", "/periodKey", "period key should be a 4 character string"),
        ({"finalised": "true"}, "UNMAPPED_PLAY_ERROR", "/finalised", "error.expected.jsboolean"),
        ({"finalised": None}, "MANDATORY_FIELD_MISSING", "/finalised", "a mandatory field is missing"),
    ],
)
def test_field_level_errors(hmrc, overrides, code, path, message):
    response = hmrc.submit(DEMO_VRN, hmrc.access_token(), a_return(**overrides))
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": code, "message": message, "path": path}]
    assert not VatReturn.objects.exists()


def test_whole_pounds_may_carry_zero_pence_and_amounts_fewer_places(hmrc):
    body = a_return(totalValueSalesExVAT=14500.00, vatDueSales=2050.1, totalVatDue=2050.1, netVatDue=1250.1)
    assert hmrc.submit(DEMO_VRN, hmrc.access_token(), body).status_code == 201


def test_cross_field_errors_come_only_after_the_fields_are_valid(hmrc):
    token = hmrc.access_token()
    both = hmrc.submit(DEMO_VRN, token, a_return(totalVatDue=2000.00))
    assert both.status_code == 400
    assert _errors(both) == [("VAT_NET_VALUE", "/netVatDue"), ("VAT_TOTAL_VALUE", "/totalVatDue")]
    assert both.json()["errors"][1]["message"] == "totalVatDue should be equal to vatDueSales + vatDueAcquisitions"
    net_only = hmrc.submit(DEMO_VRN, token, a_return(netVatDue=1250.01))
    assert _errors(net_only) == [("VAT_NET_VALUE", "/netVatDue")]
    # A field error hides the cross-field ones.
    field_first = hmrc.submit(DEMO_VRN, token, a_return(totalVatDue=2000.00, totalValueSalesExVAT=1.5))
    assert _errors(field_first) == [("INVALID_MONETARY_AMOUNT", "/totalValueSalesExVAT")]


def test_not_finalised_is_a_business_error_after_the_other_checks(hmrc):
    token = hmrc.access_token()
    response = hmrc.submit(DEMO_VRN, token, a_return(finalised=False))
    assert response.status_code == 403
    assert response.json() == {
        "code": "BUSINESS_ERROR",
        "message": "Business validation error",
        "errors": [
            {
                "code": "NOT_FINALISED",
                "message": "The return cannot be accepted without a declaration it is finalised.",
                "path": "/finalised",
            }
        ],
    }
    assert hmrc.submit(DEMO_VRN, token, a_return(finalised=False, netVatDue=1)).status_code == 400


@pytest.mark.parametrize("scenario", sorted(SUBMIT))
def test_submit_scenarios_after_body_validation(hmrc, scenario):
    token = hmrc.access_token()
    response = hmrc.submit(DEMO_VRN, token, a_return(), scenario=scenario)
    status, body = SUBMIT[scenario]
    assert (response.status_code, response.json()) == (status, body)
    assert UUID.match(response["Receipt-ID"])
    assert not VatReturn.objects.exists()
    invalid = hmrc.submit(DEMO_VRN, token, a_return(netVatDue=-1), scenario=scenario)
    assert invalid.status_code == 400 and invalid.json()["code"] == "INVALID_REQUEST"


def test_receipt_headers_only_after_auth(hmrc):
    response = hmrc.submit(DEMO_VRN, None, a_return())
    assert response.status_code == 401
    assert "Receipt-ID" not in response


def test_period_dates_are_recorded_from_the_obligation(hmrc, sandbox_clock):
    current = period_containing(timezone.localdate(), 1)
    sandbox_clock.advance(days=(current.end - timezone.localdate()).days + 1)
    token = hmrc.access_token()
    assert hmrc.submit(DEMO_VRN, token, a_return(current.key)).status_code == 201
    stored = VatReturn.objects.get()
    assert (stored.period_start, stored.period_end) == (current.start, current.end)
    assert stored.processing_date.date() >= current.end - timedelta(days=1)
