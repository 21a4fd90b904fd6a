"""Submitting a VAT return to the sandbox: store it, answer with a receipt.

The body and the answer: docs/contracts/hmrc-vat-api.md, Submission body and Submission answer.
"""

from __future__ import annotations

import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.sandbox import selectors
from apps.sandbox.models import TestOrganisation, VatReturn
from apps.sandbox.periods import period_for_key
from apps.sandbox.routers import db_alias


class DuplicateReturn(Exception):
    pass


class PeriodNotEnded(Exception):
    pass


@dataclass(frozen=True)
class Receipt:
    vat_return: VatReturn

    def as_json(self) -> dict:
        r = self.vat_return
        body = {
            # vat-api's format: milliseconds and Z (docs/contracts/hmrc-vat-api.md, Submission answer).
            "processingDate": r.processing_date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.")
            + f"{r.processing_date.microsecond // 1000:03d}Z",
        }
        if r.payment_indicator:
            body["paymentIndicator"] = r.payment_indicator
        body["formBundleNumber"] = r.form_bundle_number
        if r.charge_ref_number:
            body["chargeRefNumber"] = r.charge_ref_number
        return body


def _form_bundle_number() -> str:
    return "".join(secrets.choice(string.digits) for _ in range(12))


def _charge_reference() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(16))


def submit_return(org: TestOrganisation, values: dict, *, now: datetime) -> Receipt:
    """Store a validated return (``values`` as cleaned by vat_rules.validate_return).

    Production-like checks on top of HMRC's sandbox (docs/contracts/hmrc-vat-api.md, Sandbox scenarios): a key
    that names one of the organisation's obligations whose period has not ended
    (today ≤ end) is refused with TAX_PERIOD_NOT_ENDED. Other well-formed keys
    are accepted as HMRC's sandbox does. A second return for the same
    key raises DuplicateReturn.
    """
    today = timezone.localdate(now)
    key = values["periodKey"]
    obligation = selectors.is_obligation(org, key, today=today)
    if obligation is not None and today <= obligation.end:
        raise PeriodNotEnded(key)
    period = obligation or period_for_key(key)
    debit = values["totalVatDue"] > values["vatReclaimedCurrPeriod"]
    credit = values["totalVatDue"] < values["vatReclaimedCurrPeriod"]
    indicator = "DD" if debit and org.direct_debit else "BANK" if credit and org.bank_details else ""
    fields = {
        "organisation": org,
        "period_key": key,
        "period_start": period.start if period else None,
        "period_end": period.end if period else None,
        "vat_due_sales": values["vatDueSales"],
        "vat_due_acquisitions": values["vatDueAcquisitions"],
        "total_vat_due": values["totalVatDue"],
        "vat_reclaimed_curr_period": values["vatReclaimedCurrPeriod"],
        "net_vat_due": values["netVatDue"],
        "total_value_sales_ex_vat": int(values["totalValueSalesExVAT"]),
        "total_value_purchases_ex_vat": int(values["totalValuePurchasesExVAT"]),
        "total_value_goods_supplied_ex_vat": int(values["totalValueGoodsSuppliedExVAT"]),
        "total_acquisitions_ex_vat": int(values["totalAcquisitionsExVAT"]),
        "processing_date": now,
        "charge_ref_number": _charge_reference() if debit else "",
        "payment_indicator": indicator,
        "receipt_id": uuid.uuid4(),
    }
    for _attempt in range(5):
        try:
            with transaction.atomic(using=db_alias()):
                if VatReturn.objects.filter(organisation=org, period_key=key).exists():
                    raise DuplicateReturn(key)
                return Receipt(VatReturn.objects.create(form_bundle_number=_form_bundle_number(), **fields))
        except IntegrityError as exc:
            if VatReturn.objects.filter(organisation=org, period_key=key).exists():
                raise DuplicateReturn(key) from exc
            # A form bundle number collision (one in 10^12): draw another.
    raise RuntimeError("could not allocate a form bundle number")
