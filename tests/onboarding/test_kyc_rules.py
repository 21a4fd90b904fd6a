"""The KYC decision and the name comparison, without any database or network."""

from __future__ import annotations

import pytest

from apps.onboarding.kyc import decide, names_match, normalise_company_name, profile_facts
from tests.onboarding.conftest import FakeProfile


@pytest.mark.parametrize(
    ("declared", "registered"),
    [
        ("Brightwater Joinery Ltd", "BRIGHTWATER JOINERY LIMITED"),
        ("brightwater joinery ltd.", "Brightwater Joinery Limited"),
        ("Smith & Sons Ltd", "SMITH AND SONS LIMITED"),
        ("Smith and Sons Limited", "Smith & Sons Ltd"),
        ("A.B.C. Trading Ltd", "ABC TRADING LTD"),
        ("Acme Holdings Public Limited Company", "ACME HOLDINGS PLC"),
        ("The Old Mill Company Ltd", "OLD MILL CO LTD"),
        ("  Café  Rouge   Ltd ", "CAFE ROUGE LIMITED"),
        ("Northfield Partners LLP", "NORTHFIELD PARTNERS LIMITED LIABILITY PARTNERSHIP"),
    ],
)
def test_the_same_company_written_differently_matches(declared, registered):
    assert names_match(declared, registered)


@pytest.mark.parametrize(
    ("declared", "registered"),
    [
        ("Brightwater Joinery Ltd", "Brightwater Carpentry Ltd"),
        ("Brightwater Joinery Ltd", "Brightwater Joinery Holdings Ltd"),
        ("Smith Sons Ltd", "Smith and Sons Ltd"),
        ("", "Anything Ltd"),
    ],
)
def test_different_names_do_not_match(declared, registered):
    assert not names_match(declared, registered)


def test_normalised_key_is_stable():
    assert (
        normalise_company_name("Smith & Sons Limited")
        == normalise_company_name("SMITH AND SONS LTD")
        == "smithandsonsltd"
    )


def test_active_and_matching_passes():
    decision = decide(declared_name="Brightwater Joinery Ltd", company_name="BRIGHTWATER JOINERY LTD",
                      company_status="active")  # fmt: skip
    assert decision.passed and decision.reasons == ()


def test_dissolved_fails_and_says_so():
    decision = decide(declared_name="Old Quarry Trading Ltd", company_name="Old Quarry Trading Ltd",
                      company_status="dissolved")  # fmt: skip
    assert not decision.passed
    assert decision.reasons == (
        "Companies House lists Old Quarry Trading Ltd as dissolved, not active. "
        "Only an active company can be set up here.",
    )


def test_name_mismatch_shows_both_names():
    decision = decide(declared_name="Brightwater Carpentry Ltd", company_name="BRIGHTWATER JOINERY LTD",
                      company_status="active")  # fmt: skip
    assert not decision.passed
    [reason] = decision.reasons
    assert "“Brightwater Carpentry Ltd”" in reason and "“BRIGHTWATER JOINERY LTD”" in reason


def test_every_reason_is_given_at_once():
    decision = decide(declared_name="Other Ltd", company_name="Old Quarry Trading Ltd", company_status="liquidation")
    assert len(decision.reasons) == 2
    assert "liquidation" in decision.reasons[0]


def test_profile_facts_are_json_ready():
    facts = profile_facts(FakeProfile())
    assert facts["date_of_creation"] == "2015-09-01"
    assert facts["company_name"] == "BRIGHTWATER JOINERY LIMITED"
    assert facts["registered_office_address"] == {"postal_code": "LS1 4AB"}
