"""Companies House Public Data API: the company profile, for know-your-customer checks at onboarding.

docs/contracts/hmrc-vat-api.md, Companies House: HTTP Basic with the API key as user name and an empty password;
600 requests per 5 minutes (429 after that); clients must tolerate members
they do not know. 404 means no such company (CompanyNotFound); 429 and 5xx
are retryable (RateLimited / ExternalServiceUnavailable, raised by the HTTP
layer); a 401 is our configuration, not the user's input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

from apps.integrations import http
from apps.integrations.credentials import provided_secret
from apps.integrations.errors import CompanyNotFound, ExternalServiceUnavailable, IntegrationError

CLIENT = "companies_house"
_NUMBER = re.compile(r"^(\d{8}|[A-Z]{2}\d{6}|R0\d{6})$")


def api_key() -> str:
    """Env COMPANIES_HOUSE_API_KEY, else the secret ``companies_house_api_key``, else the sandbox's derived key."""
    return provided_secret("companies_house_api_key", "COMPANIES_HOUSE_API_KEY", "companies-house-sandbox-key")


@dataclass(frozen=True)
class CompanyProfile:
    company_number: str
    company_name: str
    company_status: str
    company_type: str
    date_of_creation: date | None
    registered_office_address: dict[str, str] = field(default_factory=dict)
    company_status_detail: str = ""
    date_of_cessation: date | None = None
    sic_codes: tuple[str, ...] = ()
    has_insolvency_history: bool = False

    @property
    def is_active(self) -> bool:
        return self.company_status == "active"

    @property
    def postcode(self) -> str:
        return self.registered_office_address.get("postal_code", "")


def normalise_company_number(value: str) -> str:
    """Upper-case without spaces; all-digit numbers shorter than eight are zero-padded (6 → 00000006)."""
    number = re.sub(r"\s+", "", value or "").upper()
    if number.isdigit() and 0 < len(number) < 8:
        number = number.zfill(8)
    return number


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def parse_profile(body: Any, requested: str) -> CompanyProfile:
    """Typed profile from the JSON; unknown members are ignored, missing optional ones default."""
    if not isinstance(body, dict) or not _text(body.get("company_name")):
        raise ExternalServiceUnavailable(
            "Companies House sent an answer we could not read. Please try again in a few minutes.",
            code="BAD_RESPONSE",
            service="Companies House",
        )
    address = body.get("registered_office_address")
    sic = body.get("sic_codes")
    return CompanyProfile(
        company_number=_text(body.get("company_number")) or requested,
        company_name=body["company_name"],
        company_status=_text(body.get("company_status")),
        company_type=_text(body.get("type")),
        date_of_creation=_date(body.get("date_of_creation")),
        registered_office_address={k: v for k, v in address.items() if isinstance(v, str)}
        if isinstance(address, dict)
        else {},
        company_status_detail=_text(body.get("company_status_detail")),
        date_of_cessation=_date(body.get("date_of_cessation")),
        sic_codes=tuple(s for s in sic if isinstance(s, str)) if isinstance(sic, list) else (),
        has_insolvency_history=body.get("has_insolvency_history") is True,
    )


def get_company_profile(company_number: str) -> CompanyProfile:
    """GET /company/{number}. Raises CompanyNotFound, RateLimited, ExternalServiceUnavailable or IntegrationError."""
    number = normalise_company_number(company_number)
    if not _NUMBER.match(number):
        raise CompanyNotFound(
            f"{company_number!s} is not a Companies House number: it has eight characters, such as 01234567 "
            "or SC123456.",
            code="INVALID_COMPANY_NUMBER",
            company_number=number,
        )

    def handle(response: requests.Response) -> CompanyProfile:
        if response.status_code == 404:
            raise CompanyNotFound(company_number=number)
        if response.status_code in (401, 403):
            raise IntegrationError(
                "We could not check Companies House just now (our access was refused). Our team has been told.",
                code="CH_UNAUTHORISED",
            )
        if response.status_code != 200:
            raise IntegrationError(
                "Companies House did not accept the request. Please check the company number.",
                code=f"CH_HTTP_{response.status_code}",
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        return parse_profile(body, number)

    return http.call(
        CLIENT,
        "company_profile",
        "GET",
        f"{settings.COMPANIES_HOUSE_BASE_URL}/company/{quote(number)}",
        auth=(api_key(), ""),
        headers={"Accept": "application/json"},
        handle=handle,
    )
