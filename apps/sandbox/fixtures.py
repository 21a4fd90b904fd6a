"""Fictitious test data the sandbox serves, shared by other apps' tests and the demo.

Everything here is invented: no real company, person, VAT number or bank account.
Other apps' tests and the demo import these constants by name, so renaming one is a cross-app change.
"""

from __future__ import annotations

from datetime import date

DEMO_COMPANY_NUMBER = "09876543"
DEMO_COMPANY_NAME = "Brightwater Joinery Ltd"
DISSOLVED_COMPANY_NUMBER = "07654321"
DISSOLVED_COMPANY_NAME = "Old Quarry Trading Ltd"

# Pass python-stdnum's stdnum.gb.vat check (the validator the whole portal uses).
# DEMO_VRN satisfies the strict mod-9755 rule; OTHER_VRN's weighted sum is 55 mod 97,
# which stdnum accepts (a leniency: docs/contracts/hmrc-vat-api.md, Identifiers).
DEMO_VRN = "123456727"
OTHER_VRN = "987654311"

# Companies House profiles, keyed by company number (field names as in the public data API).
COMPANIES: dict[str, dict] = {
    DEMO_COMPANY_NUMBER: {
        "company_name": DEMO_COMPANY_NAME,
        "company_status": "active",
        "type": "ltd",
        "jurisdiction": "england-wales",
        "date_of_creation": date(2016, 3, 14),
        "sic_codes": ["16230", "43320"],
        "registered_office_address": {
            "premises": "Unit 4",
            "address_line_1": "Millrace Yard",
            "locality": "Stroud",
            "region": "Gloucestershire",
            "postal_code": "GL5 3ZZ",
            "country": "England",
        },
    },
    DISSOLVED_COMPANY_NUMBER: {
        "company_name": DISSOLVED_COMPANY_NAME,
        "company_status": "dissolved",
        "type": "ltd",
        "jurisdiction": "england-wales",
        "date_of_creation": date(2009, 9, 1),
        "date_of_cessation": date(2021, 2, 9),
        "sic_codes": ["08110"],
        "registered_office_address": {
            "premises": "The Old Weighbridge",
            "address_line_1": "Quarry Lane",
            "locality": "Matlock",
            "postal_code": "DE4 9ZZ",
            "country": "England",
        },
    },
    "SC654321": {
        "company_name": "Thistle Row Bakery Ltd",
        "company_status": "active",
        "type": "ltd",
        "jurisdiction": "scotland",
        "date_of_creation": date(2019, 6, 3),
        "sic_codes": ["10710"],
        "registered_office_address": {
            "premises": "12",
            "address_line_1": "Thistle Row",
            "locality": "Perth",
            "postal_code": "PH1 9ZZ",
            "country": "Scotland",
        },
    },
    "11223344": {
        "company_name": "Kestrel Lane Consulting Ltd",
        "company_status": "active",
        "company_status_detail": "active-proposal-to-strike-off",
        "type": "ltd",
        "jurisdiction": "england-wales",
        "date_of_creation": date(2020, 1, 20),
        "sic_codes": ["70229"],
        "registered_office_address": {
            "premises": "Flat 2",
            "address_line_1": "7 Kestrel Lane",
            "locality": "Leeds",
            "postal_code": "LS6 9ZZ",
            "country": "England",
        },
    },
    "05551234": {
        "company_name": "Harbourside Chandlery Ltd",
        "company_status": "liquidation",
        "type": "ltd",
        "jurisdiction": "england-wales",
        "date_of_creation": date(2005, 5, 5),
        "sic_codes": ["47640"],
        "has_insolvency_history": True,
        "registered_office_address": {
            "premises": "3",
            "address_line_1": "Quay Street",
            "locality": "Falmouth",
            "postal_code": "TR11 9ZZ",
            "country": "England",
        },
    },
}

# Test organisations the HMRC sandbox knows by name (any other valid VRN gets a generic one).
ORGANISATION_NAMES: dict[str, str] = {
    DEMO_VRN: DEMO_COMPANY_NAME,
    OTHER_VRN: "Thistle Row Bakery Ltd",
}

DEMO_BANK_ACCOUNT_ID = "acc-brightwater-current"
OTHER_BANK_ACCOUNT_ID = "acc-thistle-current"

# Bank accounts of the bank-feed sandbox; transactions are generated from `seed` (see apps.sandbox.bank).
BANK_ACCOUNTS: dict[str, dict] = {
    DEMO_BANK_ACCOUNT_ID: {
        "name": "Business Current Account",
        "holder_name": DEMO_COMPANY_NAME,
        "company_number": DEMO_COMPANY_NUMBER,
        "sort_code": "04-00-04",
        "account_number": "10004321",
        "opened_on": date(2024, 1, 1),
        "opening_balance": "5000.00",
        "profile": "joinery",
    },
    OTHER_BANK_ACCOUNT_ID: {
        "name": "Business Current Account",
        "holder_name": "Thistle Row Bakery Ltd",
        "company_number": "SC654321",
        "sort_code": "04-00-04",
        "account_number": "10009876",
        "opened_on": date(2024, 6, 1),
        "opening_balance": "1200.00",
        "profile": "bakery",
    },
}
