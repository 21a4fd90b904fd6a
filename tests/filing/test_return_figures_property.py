"""Property: a return submits exactly its period's postings plus the late ones carried in, or it is blocked.

Run on PostgreSQL with the real posting service, real obligations and the real freeze (send for approval).
For any generated ledger (postings in and around the periods, before the first period filed with
Strongroom, late postings into periods already frozen), and any order of freezing, the body a return would
send to HMRC equals a recomputation written here from the postings themselves, by the VAT rules:

* box 1: VAT on sales (less VAT on credit notes); box 4: VAT on purchases;
* box 6: sales net of VAT, box 7: purchases net of VAT, counting every supply inside the scope of VAT
  (standard, reduced, zero, exempt, mixed rates), never one outside it;
* boxes 2, 8 and 9 are zero (no Northern Ireland trade with the EU); box 3 = box 1 + box 2;
  box 5 = |box 3 − box 4|; boxes 1–5 in pounds and pence, boxes 6–9 in whole pounds with the pence
  left out;
* a period's postings are those dated in it that no frozen return holds; a posting dated in an earlier
  period whose return is frozen is carried into the earliest period after it that is not frozen;
  nothing dated before the first period filed with Strongroom counts anywhere;

or, for a period that starts before that first period, the return is blocked (never frozen or sent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.filing import calculation
from apps.filing.domain import hmrc_body
from apps.filing.errors import ReturnNotReady
from apps.filing.models import VatReturn, VatSettings
from apps.filing.services.returns import fingerprint, send_for_approval
from apps.ledger.services import seed_chart_of_accounts
from apps.ledger.services.journal import LineSpec
from apps.ledger.services.posting import post_manual_entry
from apps.tenancy.context import tenant_context
from tests.factories.filing import quarter

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

QUARTER_STARTS = (date(2024, 10, 1), date(2025, 1, 1), date(2025, 4, 1), date(2025, 7, 1))
QUARTER_ENDS = (date(2024, 12, 31), date(2025, 3, 31), date(2025, 6, 30), date(2025, 9, 30))
IN_SCOPE = {"standard", "reduced", "zero", "exempt", "mixed"}
WITH_VAT = {"standard", "reduced", "mixed"}
PENCE = Decimal("0.01")


@dataclass(frozen=True)
class Posting:
    day: date
    kind: str  # sale, credit_note, purchase
    treatment: str
    net: Decimal
    vat: Decimal


@st.composite
def postings(draw) -> Posting:
    treatment = draw(st.sampled_from(["standard", "reduced", "zero", "exempt", "outside_scope", "mixed"]))
    net = draw(st.decimals(min_value="0.01", max_value="25000.00", places=2))
    vat = draw(st.decimals(min_value="0.01", max_value="5000.00", places=2)) if treatment in WITH_VAT else Decimal(0)
    return Posting(
        # From a quarter no obligation covers, through the four quarters Strongroom knows.
        day=draw(st.dates(min_value=date(2024, 7, 1), max_value=date(2025, 9, 30))),
        kind=draw(st.sampled_from(["sale", "sale", "credit_note", "purchase"])),
        treatment=treatment,
        net=net,
        vat=vat,
    )


steps = st.lists(
    st.one_of(st.tuples(st.just("post"), postings()), st.tuples(st.just("freeze"), st.integers(0, 3))),
    min_size=1,
    max_size=14,
)


def post(p: Posting, actor) -> None:
    """Through the ledger's own posting service, as the posting conventions write each document."""
    gross = p.net + p.vat
    if p.kind == "purchase":
        lines = [LineSpec("429", debit=p.net, vat_treatment=p.treatment), LineSpec("800", credit=gross)]
        if p.vat:
            lines.insert(1, LineSpec("820", debit=p.vat))
    elif p.kind == "sale":
        lines = [LineSpec("610", debit=gross), LineSpec("200", credit=p.net, vat_treatment=p.treatment)]
        if p.vat:
            lines.append(LineSpec("821", credit=p.vat))
    else:  # a credit note to a customer
        lines = [LineSpec("200", debit=p.net, vat_treatment=p.treatment), LineSpec("610", credit=gross)]
        if p.vat:
            lines.insert(1, LineSpec("821", debit=p.vat))
    post_manual_entry(entry_date=p.day, description=f"{p.kind} {p.net}", lines=lines, actor=actor)


# --- the recomputation, from the postings (never from the code under test) ---------------------------------


def quarter_of(day: date) -> int | None:
    return next((i for i, (s, e) in enumerate(zip(QUARTER_STARTS, QUARTER_ENDS, strict=True)) if s <= day <= e), None)


def taken_by(target: int, posted: list[Posting], claimed: set[int], frozen: set[int], first: date) -> list[int]:
    """Indexes of the postings the return for quarter ``target`` takes."""
    taken = []
    for i, p in enumerate(posted):
        home = quarter_of(p.day)
        if i in claimed or p.day < first or home is None:
            continue
        if home == target:
            taken.append(i)
        elif home < target and home in frozen and all(q in frozen for q in range(home + 1, target)):
            taken.append(i)  # a late posting, carried into the first period after its own that is not frozen
    return taken


def expected_body(period_key: str, chosen: list[Posting]) -> dict:
    def total(kind: str, field: str, *, in_scope_only: bool) -> Decimal:
        return sum(
            (getattr(p, field) for p in chosen if p.kind == kind and (not in_scope_only or p.treatment in IN_SCOPE)),
            Decimal(0),
        )

    box1 = total("sale", "vat", in_scope_only=False) - total("credit_note", "vat", in_scope_only=False)
    box4 = total("purchase", "vat", in_scope_only=False)
    sales = total("sale", "net", in_scope_only=True) - total("credit_note", "net", in_scope_only=True)
    purchases = total("purchase", "net", in_scope_only=True)
    box2 = Decimal(0)
    box3 = box1 + box2
    return {
        "periodKey": period_key,
        "vatDueSales": box1.quantize(PENCE),
        "vatDueAcquisitions": box2.quantize(PENCE),
        "totalVatDue": box3.quantize(PENCE),
        "vatReclaimedCurrPeriod": box4.quantize(PENCE),
        "netVatDue": abs(box3 - box4).quantize(PENCE),
        "totalValueSalesExVAT": int(sales),  # int() drops the pence (towards zero)
        "totalValuePurchasesExVAT": int(purchases),
        "totalValueGoodsSuppliedExVAT": 0,
        "totalAcquisitionsExVAT": 0,
        "finalised": True,
    }


def same(body: dict, expected: dict) -> bool:
    return body == expected and all(type(body[k]) is type(expected[k]) for k in expected)  # int stays int


@pytest.fixture
def chart_a(tenant_a, owner_a):
    with tenant_context(tenant_a):
        seed_chart_of_accounts(tenant_a)
    return tenant_a


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(first=st.sampled_from(QUARTER_STARTS), plan=steps)
def test_a_return_submits_its_periods_postings_plus_late_ones_or_is_blocked(chart_a, owner_a, first, plan):
    tenant = chart_a
    with tenant_context(tenant), transaction.atomic():
        VatSettings.objects.create(tenant=tenant, scheme="standard", stagger="stagger_1", first_period_start=first)
        settings_row = VatSettings.objects.get()
        obligations = [quarter(tenant, start) for start in QUARTER_STARTS]
        posted: list[Posting] = []
        claimed: set[int] = set()
        frozen: set[int] = set()
        for action, arg in plan:
            if action == "post":
                post(arg, owner_a)
                posted.append(arg)
                continue
            target, obligation = arg, obligations[arg]
            if target in frozen:
                continue
            expected = expected_body(
                obligation.period_key, [posted[i] for i in taken_by(target, posted, claimed, frozen, first)]
            )
            shown = calculation.figures_for(obligation, None, settings_row).boxes
            try:
                send_for_approval(obligation=obligation, actor=owner_a, expected_fingerprint=fingerprint(shown))
            except ReturnNotReady as refused:
                assert obligation.start < first, f"{obligation.period_key} blocked although filed here: {refused}"
                continue
            assert obligation.start >= first, f"{obligation.period_key} before the first period was frozen"
            frozen_return = VatReturn.objects.get(obligation=obligation)
            body = hmrc_body(obligation.period_key, frozen_return.boxes)
            assert same(body, expected), (obligation.period_key, body, expected)
            claimed |= set(taken_by(target, posted, claimed, frozen, first))
            frozen.add(target)
        # Every period not frozen: what its page shows (and would be frozen and sent) is right, or it is blocked.
        for target, obligation in enumerate(obligations):
            if target in frozen:
                continue
            boxes = calculation.figures_for(obligation, None, settings_row).boxes
            codes = {b.code for b in calculation.blockers_for(obligation, boxes, settings_row)}
            assert ("before_first_period" in codes) == (obligation.start < first), (obligation.period_key, codes)
            if obligation.start >= first:
                chosen = [posted[i] for i in taken_by(target, posted, claimed, frozen, first)]
                body = hmrc_body(obligation.period_key, boxes)
                assert same(body, expected_body(obligation.period_key, chosen)), (obligation.period_key, body)
        transaction.set_rollback(True)
