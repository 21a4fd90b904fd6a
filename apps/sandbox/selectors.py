"""Reads of the sandbox: obligations, returns, liabilities and payments, companies, bank accounts.

Obligations, liabilities and payments are derived rather than stored, so GETs
never write and the data never goes stale in a long-lived demo database:

* obligations: the organisation's quarters (by its stagger) from the one
  containing the day twelve months before it was created up to the quarter
  after the current one; fulfilled (``F``, ``received`` = the processing date)
  when a return has been submitted for the period key, open otherwise;
* liabilities: one "VAT Return Debit Charge" per submitted return with VAT to
  pay; the fictitious trader always pays on the due date, so it is outstanding
  until then;
* payments: one per liability whose due date has passed, received on that date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from apps.sandbox import fixtures
from apps.sandbox.models import BankAccount, Company, TestOrganisation, VatReturn
from apps.sandbox.periods import (
    Period,
    next_period,
    one_year_before,
    period_containing,
    periods_between,
)


@dataclass(frozen=True)
class Obligation:
    period: Period
    received: date | None

    @property
    def status(self) -> str:
        return "F" if self.received else "O"

    def as_json(self) -> dict:
        body = {
            "periodKey": self.period.key,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "due": self.period.due.isoformat(),
            "status": self.status,
        }
        if self.received:
            body["received"] = self.received.isoformat()
        return body


def organisation_periods(org: TestOrganisation, *, today: date) -> list[Period]:
    created = timezone.localdate(org.created_at)
    current = period_containing(max(today, created), org.stagger)
    periods = periods_between(one_year_before(created), current.end, org.stagger)
    return [*periods, next_period(current, org.stagger)]


def obligations(org: TestOrganisation, *, today: date) -> list[Obligation]:
    received = {
        r.period_key: timezone.localdate(r.processing_date)
        for r in VatReturn.objects.filter(organisation=org).only("period_key", "processing_date")
    }
    return [Obligation(p, received.get(p.key)) for p in organisation_periods(org, today=today)]


def filter_obligations(items: list[Obligation], *, from_date: date | None, to_date: date | None, status: str | None):
    """Obligations overlapping [from, to] (all of them without dates), of one status if asked."""
    out = []
    for item in items:
        if from_date and to_date and (item.period.end < from_date or item.period.start > to_date):
            continue
        if status and item.status != status:
            continue
        out.append(item)
    return out


def is_obligation(org: TestOrganisation, period_key: str, *, today: date) -> Period | None:
    return next((p for p in organisation_periods(org, today=today) if p.key == period_key), None)


def vat_return(org: TestOrganisation, period_key: str) -> VatReturn | None:
    return VatReturn.objects.filter(organisation=org, period_key=period_key).first()


def return_json(r: VatReturn) -> dict:
    """The view-return body: the ten box fields, numbers not strings."""
    return {
        "periodKey": r.period_key,
        "vatDueSales": r.vat_due_sales,
        "vatDueAcquisitions": r.vat_due_acquisitions,
        "totalVatDue": r.total_vat_due,
        "vatReclaimedCurrPeriod": r.vat_reclaimed_curr_period,
        "netVatDue": r.net_vat_due,
        "totalValueSalesExVAT": r.total_value_sales_ex_vat,
        "totalValuePurchasesExVAT": r.total_value_purchases_ex_vat,
        "totalValueGoodsSuppliedExVAT": r.total_value_goods_supplied_ex_vat,
        "totalAcquisitionsExVAT": r.total_acquisitions_ex_vat,
    }


def _debit_returns(org: TestOrganisation):
    return VatReturn.objects.filter(organisation=org, net_vat_due__gt=0).order_by("period_end", "processing_date")


def _is_debit(r: VatReturn) -> bool:
    return r.total_vat_due > r.vat_reclaimed_curr_period


def _in_range(r: VatReturn, from_date: date, to_date: date) -> bool:
    anchor = r.period_end or timezone.localdate(r.processing_date)
    return from_date <= anchor <= to_date


def _due(r: VatReturn) -> date | None:
    if r.period_start and r.period_end:
        return Period(r.period_key, r.period_start, r.period_end).due
    return None


def liabilities(org: TestOrganisation, *, from_date: date, to_date: date, today: date) -> list[dict]:
    out = []
    for r in _debit_returns(org):
        if not _is_debit(r) or not _in_range(r, from_date, to_date):
            continue
        due = _due(r)
        paid = due is not None and due <= today
        item: dict = {}
        if r.period_start and r.period_end:
            item["taxPeriod"] = {"from": r.period_start.isoformat(), "to": r.period_end.isoformat()}
        item |= {
            "type": "VAT Return Debit Charge",
            "originalAmount": r.net_vat_due,
            "outstandingAmount": Decimal("0.00") if paid else r.net_vat_due,
        }
        if due:
            item["due"] = due.isoformat()
        out.append(item)
    return out


def payments(org: TestOrganisation, *, from_date: date, to_date: date, today: date) -> list[dict]:
    out = []
    for r in _debit_returns(org):
        due = _due(r)
        if _is_debit(r) and _in_range(r, from_date, to_date) and due is not None and due <= today:
            out.append({"amount": r.net_vat_due, "received": due.isoformat()})
    return out


def _company_from_fixture(number: str) -> dict | None:
    data = fixtures.COMPANIES.get(number)
    return None if data is None else {"company_number": number, **data}


def company_profile(number: str) -> dict | None:
    """A company profile in the public data API's shape, or None."""
    row = Company.objects.filter(company_number=number).first()
    if row is not None:
        data = {"company_number": number, **row.profile}
        data |= {"company_name": row.company_name, "company_status": row.company_status}
    else:
        data = _company_from_fixture(number)
        if data is None:
            return None
    profile = {
        "company_name": data["company_name"],
        "company_number": number,
        "company_status": data.get("company_status", "active"),
        "type": data.get("type", "ltd"),
        "jurisdiction": data.get("jurisdiction", "england-wales"),
        "date_of_creation": _iso(data.get("date_of_creation")),
        "sic_codes": data.get("sic_codes", []),
        "registered_office_address": data.get("registered_office_address", {}),
        "has_charges": data.get("has_charges", False),
        "has_insolvency_history": data.get("has_insolvency_history", False),
        "can_file": data.get("company_status", "active") == "active",
        "links": {"self": f"/company/{number}", "filing_history": f"/company/{number}/filing-history"},
        "etag": _etag(number, data),
    }
    for optional in ("company_status_detail", "date_of_cessation"):
        if data.get(optional):
            profile[optional] = _iso(data[optional])
    return profile


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def _etag(number: str, data: dict) -> str:
    import hashlib

    return hashlib.sha1(repr(sorted((k, str(v)) for k, v in data.items())).encode(), usedforsecurity=False).hexdigest()


def companies() -> list[dict]:
    numbers = sorted({*fixtures.COMPANIES, *Company.objects.values_list("company_number", flat=True)})
    return [p for p in (company_profile(n) for n in numbers) if p]


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str
    holder_name: str
    company_number: str
    sort_code: str
    account_number: str
    opened_on: date
    opening_balance: Decimal
    profile: str


def bank_account(account_id: str) -> Account | None:
    row = BankAccount.objects.filter(account_id=account_id).first()
    if row is not None:
        return Account(
            row.account_id,
            row.name,
            row.holder_name,
            row.company_number,
            row.sort_code,
            row.account_number,
            row.opened_on,
            row.opening_balance,
            row.profile,
        )
    data = fixtures.BANK_ACCOUNTS.get(account_id)
    if data is None:
        return None
    return Account(
        account_id,
        data["name"],
        data["holder_name"],
        data["company_number"],
        data["sort_code"],
        data["account_number"],
        data["opened_on"],
        Decimal(data["opening_balance"]),
        data["profile"],
    )


def bank_accounts() -> list[Account]:
    ids = sorted({*fixtures.BANK_ACCOUNTS, *BankAccount.objects.values_list("account_id", flat=True)})
    return [a for a in (bank_account(i) for i in ids) if a]
