"""The vocabulary of VAT filing: statuses, schemes, staggers and the nine boxes.

Pure (no database) so it is easy to test and to mutate.
"""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import models

ZERO = Decimal("0.00")
MAX_BOX_1_TO_4 = Decimal("9999999999999.99")
MAX_BOX_5 = Decimal("99999999999.99")
MAX_BOX_6_TO_9 = Decimal("9999999999999")


class Scheme(models.TextChoices):
    STANDARD = "standard", "Standard accounting (invoice dates)"
    CASH = "cash", "Cash accounting (payment dates)"


class Stagger(models.TextChoices):
    STAGGER_1 = "stagger_1", "Quarters ending March, June, September, December"
    STAGGER_2 = "stagger_2", "Quarters ending April, July, October, January"
    STAGGER_3 = "stagger_3", "Quarters ending May, August, November, February"
    MONTHLY = "monthly", "Monthly"


# The months in which a stagger's quarters end.
QUARTER_END_MONTHS = {
    Stagger.STAGGER_1: (3, 6, 9, 12),
    Stagger.STAGGER_2: (1, 4, 7, 10),
    Stagger.STAGGER_3: (2, 5, 8, 11),
}


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved, queued to send"
    SUBMITTING = "submitting", "Sending to HMRC"
    SUBMITTED = "submitted", "Submitted"
    REJECTED = "rejected", "Rejected by HMRC"


# Figures can no longer change in these states: their journal lines are claimed.
FROZEN_STATUSES = (
    ReturnStatus.AWAITING_APPROVAL,
    ReturnStatus.APPROVED,
    ReturnStatus.SUBMITTING,
    ReturnStatus.SUBMITTED,
)


class PeriodStatus(models.TextChoices):
    """What the control tower shows for a period (a return's status plus the obligation's)."""

    OPEN = "open", "Open"
    READY = "ready", "Ready to approve"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    SUBMITTING = "submitting", "Submitting"
    SUBMITTED = "submitted", "Submitted"
    REJECTED = "rejected", "Rejected"
    OVERDUE = "overdue", "Overdue"


def is_period_start(stagger: str, first_start: date) -> bool:
    """A first period starts on the first day of a month in which one of the stagger's periods starts."""
    if first_start.day != 1:
        return False
    if stagger == Stagger.MONTHLY:
        return True
    ends = QUARTER_END_MONTHS[Stagger(stagger)]
    return (first_start.month - 1) % 12 in {m % 12 for m in ends}


def period_end(stagger: str, start: date) -> date:
    """The last day of the period that starts on ``start``."""
    months = 1 if stagger == Stagger.MONTHLY else 3
    month_index = start.month - 1 + months - 1
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def due_date(end: date) -> date:
    """HMRC's rule: one calendar month and seven days after the period ends."""
    year, month = (end.year + 1, 1) if end.month == 12 else (end.year, end.month + 1)
    last = calendar.monthrange(year, month)[1]
    day = last if end.day == calendar.monthrange(end.year, end.month)[1] else min(end.day, last)
    return date(year, month, day) + timedelta(days=7)


def before_first_period(start: date, end: date, first_period_start: date) -> str:
    """Why Strongroom must not file the period ``start``–``end``, or "" when it may.

    The ledger's lines before the first period filed with Strongroom never count in a return (those
    periods were filed with other software), so a return for such a period would leave out posted lines:
    a period wholly before it would go to HMRC as a nil return, one that straddles it would be short.
    """
    if end < first_period_start:
        return (
            "This period is before the first period you file with Strongroom "
            f"(which starts on {first_period_start:%d %B %Y}): file it with your previous software."
        )
    if start < first_period_start:
        return (
            f"This period starts before {first_period_start:%d %B %Y}, the first day you file with Strongroom, "
            "so its lines before that day would be left out: check the first period in the VAT settings, "
            "or file this return with your previous software."
        )
    return ""


def whole_pounds(amount: Decimal) -> Decimal:
    """Boxes 6 to 9 leave out the pence: truncate towards zero.

    No source states the mandated rounding (docs/contracts/uk-vat-rules.md, The nine boxes); HMRC's own instruction
    is "leave out the pence", and truncation never overstates a figure.
    """
    return amount.to_integral_value(rounding=ROUND_DOWN)


@dataclass(frozen=True)
class VatBoxes:
    """The nine boxes of a VAT return (form VAT100), as HMRC's API names them in comments."""

    box1: Decimal = ZERO  # vatDueSales
    box2: Decimal = ZERO  # vatDueAcquisitions
    box3: Decimal = ZERO  # totalVatDue = box1 + box2
    box4: Decimal = ZERO  # vatReclaimedCurrPeriod
    box5: Decimal = ZERO  # netVatDue = |box3 - box4|
    box6: Decimal = Decimal("0")  # totalValueSalesExVAT, whole pounds
    box7: Decimal = Decimal("0")  # totalValuePurchasesExVAT, whole pounds
    box8: Decimal = Decimal("0")  # totalValueGoodsSuppliedExVAT, whole pounds
    box9: Decimal = Decimal("0")  # totalAcquisitionsExVAT, whole pounds

    @classmethod
    def from_sums(
        cls,
        *,
        vat_sales: Decimal,
        vat_acquisitions: Decimal,
        vat_reclaimed: Decimal,
        sales_ex_vat: Decimal,
        purchases_ex_vat: Decimal,
        goods_supplied_ex_vat: Decimal = ZERO,
        acquisitions_ex_vat: Decimal = ZERO,
    ) -> VatBoxes:
        box3 = vat_sales + vat_acquisitions
        return cls(
            box1=vat_sales,
            box2=vat_acquisitions,
            box3=box3,
            box4=vat_reclaimed,
            box5=abs(box3 - vat_reclaimed),
            box6=whole_pounds(sales_ex_vat),
            box7=whole_pounds(purchases_ex_vat),
            box8=whole_pounds(goods_supplied_ex_vat),
            box9=whole_pounds(acquisitions_ex_vat),
        )

    @property
    def is_repayment(self) -> bool:
        return self.box4 > self.box3

    def as_dict(self) -> dict[str, Decimal]:
        return asdict(self)

    def problems(self) -> list[str]:
        """What HMRC's validation would reject, in words (nothing for figures we computed)."""
        found = []
        for name in ("box1", "box2", "box3", "box4"):
            if abs(getattr(self, name)) > MAX_BOX_1_TO_4:
                found.append(f"{name.replace('box', 'Box ')} is beyond HMRC's limit.")
        if self.box5 > MAX_BOX_5:
            found.append("Box 5 is beyond HMRC's limit.")
        for name in ("box6", "box7", "box8", "box9"):
            if abs(getattr(self, name)) > MAX_BOX_6_TO_9:
                found.append(f"{name.replace('box', 'Box ')} is beyond HMRC's limit.")
        if self.box3 != self.box1 + self.box2:
            found.append("Box 3 must be box 1 plus box 2.")
        if self.box5 != abs(self.box3 - self.box4):
            found.append("Box 5 must be the difference between box 3 and box 4.")
        return found


def hmrc_body(period_key: str, boxes: VatBoxes) -> dict:
    """The 11-field submit body: boxes 1–5 with pence, 6–9 whole pounds, finalised true.

    The rules: docs/contracts/hmrc-vat-api.md, Submission body.
    """
    money = lambda d: d.quantize(Decimal("0.01"))  # noqa: E731
    return {
        "periodKey": period_key,
        "vatDueSales": money(boxes.box1),
        "vatDueAcquisitions": money(boxes.box2),
        "totalVatDue": money(boxes.box3),
        "vatReclaimedCurrPeriod": money(boxes.box4),
        "netVatDue": money(boxes.box5),
        "totalValueSalesExVAT": int(boxes.box6),
        "totalValuePurchasesExVAT": int(boxes.box7),
        "totalValueGoodsSuppliedExVAT": int(boxes.box8),
        "totalAcquisitionsExVAT": int(boxes.box9),
        "finalised": True,
    }


# What to do after HMRC rejected a return, by HMRC's code: most rejections are not about the figures.
NOT_THE_FIGURES = "The figures are not the problem: nothing in the ledger needs to change."
FIGURE_CODES = frozenset(
    {
        "INVALID_REQUEST",
        "INVALID_MONETARY_AMOUNT",
        "INVALID_NUMERIC_VALUE",
        "MANDATORY_FIELD_MISSING",
        "VAT_TOTAL_VALUE",
        "VAT_NET_VALUE",
    }
)
REJECTION_ADVICE = {
    "VRN_INVALID": (
        "Check that the VAT number in the business's details is the one on its VAT registration certificate "
        "(nine digits), correct it, then approve the return again. " + NOT_THE_FIGURES
    ),
    "CLIENT_OR_AGENT_NOT_AUTHORISED": (
        "Reconnect to HMRC with the Government Gateway account that holds this business's VAT (an accountant "
        "needs the business's authorisation for VAT in HMRC's agent services first), then approve the return "
        "again. " + NOT_THE_FIGURES
    ),
    "RULE_INSOLVENT_TRADER": (
        "HMRC records this business as insolvent, so its returns cannot be filed through Strongroom: the "
        "insolvency practitioner files them with HMRC directly. " + NOT_THE_FIGURES
    ),
    "TAX_PERIOD_NOT_ENDED": (
        "Wait until the day after the period ends, then approve the return again. " + NOT_THE_FIGURES
    ),
    "DUPLICATE_SUBMISSION": (
        "Do not send another return for this period. Find out who filed the one HMRC holds (your previous "
        "software or accountant?); if its figures are wrong, correct them in a later return or tell HMRC."
    ),
    "PERIOD_KEY_INVALID": (
        'Read your VAT periods from HMRC again ("Check HMRC for VAT periods" on the VAT page) and approve the '
        "return of the period HMRC lists. " + NOT_THE_FIGURES
    ),
    "NOT_FINALISED": "Approve the return again and tick the declaration. " + NOT_THE_FIGURES,
}
REJECTION_ADVICE["FORBIDDEN"] = REJECTION_ADVICE["INVALID_SCOPE"] = REJECTION_ADVICE["CLIENT_OR_AGENT_NOT_AUTHORISED"]
FIGURES_ADVICE = (
    "HMRC's checks failed on the boxes listed: correct the ledger lines behind them, recompute the return "
    "from the ledger, then approve it again."
)
UNKNOWN_ADVICE = (
    "Read HMRC's message above. If it is not clear what to change, contact support with the error code "
    "before approving the return again."
)


def rejection_advice(code: str, errors: list | None = None) -> str:
    """What the person should do next after HMRC rejected a return with ``code`` (and per-box ``errors``)."""
    if code in REJECTION_ADVICE:
        return REJECTION_ADVICE[code]
    if code in FIGURE_CODES or any(isinstance(e, dict) and e.get("path") for e in errors or []):
        return FIGURES_ADVICE
    return UNKNOWN_ADVICE
