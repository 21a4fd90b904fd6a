"""Property: the VAT pages' SQL figures (apps/filing/figures.py) equal the reference Python path, box by box.

Random ledgers on PostgreSQL through the real services: sales, credit notes, purchases of expenses and of
assets, every VAT treatment, net lines with no treatment, reversals dated in or after their period, postings
before the first VAT period and late postings into periods already frozen; periods frozen (send for approval)
and unfrozen (back to draft) in any order, sometimes an overlapping period of a second VRN. After every
step, for every period: the boxes, the lines behind each box (every drill-down page joined up), the late
postings and the error corrections computed in SQL equal ``calculation.figures_for`` /
``calculation.correction_lines`` on the same data (decision 0034).

"Left out" notices differ on purpose in one way (decision 0034): a no-treatment line dated in a frozen period
and posted before it froze is no longer repeated on every later draft; every notice shown is one the
reference shows, and a line dated in the period is always shown.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from apps.filing import calculation, figures
from apps.filing.errors import FilingError
from apps.filing.models import VatObligation, VatReturn, VatSettings
from apps.filing.services.returns import fingerprint, return_to_draft, send_for_approval
from apps.ledger.models import Account, JournalEntry
from apps.ledger.services import seed_chart_of_accounts
from apps.ledger.services.journal import LineSpec
from apps.ledger.services.posting import post_manual_entry, reverse_entry
from apps.tenancy.context import tenant_context
from tests.factories.filing import VatObligationFactory, quarter

# Minutes on a shared machine (every period checked through every page after each freeze): the slow tier.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db, pytest.mark.slow]

QUARTER_STARTS = (date(2024, 10, 1), date(2025, 1, 1), date(2025, 4, 1), date(2025, 7, 1))
TREATMENTS = ["standard", "reduced", "zero", "exempt", "outside_scope", "mixed", ""]


@dataclass(frozen=True)
class Posting:
    day: date
    kind: str  # sale, credit_note, purchase, asset
    treatment: str
    net: Decimal
    vat: Decimal


QUARTER_OF_DAY = (date(2024, 7, 1), *QUARTER_STARTS)  # the first quarter no obligation covers


@st.composite
def postings(draw) -> Posting:
    # A quarter, then a day in it: postings land in the periods (and so, late, in frozen ones) often.
    start = QUARTER_OF_DAY[draw(st.integers(0, 4))]
    return Posting(
        day=start + timedelta(days=draw(st.integers(0, 91))),
        kind=draw(st.sampled_from(["sale", "credit_note", "purchase", "asset"])),
        treatment=draw(st.sampled_from(TREATMENTS)),
        net=draw(st.decimals(min_value="0.01", max_value="9000.00", places=2)),
        vat=draw(st.decimals(min_value="0.00", max_value="1800.00", places=2)),
    )


post_step = st.tuples(st.just("post"), postings())
steps = st.lists(
    st.one_of(
        post_step,
        post_step,
        post_step,
        st.tuples(st.just("freeze"), st.integers(0, 4)),
        st.tuples(st.just("freeze"), st.integers(0, 4)),
        st.tuples(st.just("draft"), st.integers(0, 4)),
        st.tuples(st.just("reverse"), st.integers(0, 30), st.dates(date(2024, 9, 1), date(2025, 9, 30))),
    ),
    min_size=1,
    max_size=18,
)


def post(p: Posting, actor) -> None:
    gross = p.net + p.vat
    net_account = {"purchase": "429", "asset": "720"}.get(p.kind, "200")
    if p.kind in ("purchase", "asset"):
        lines = [LineSpec(net_account, debit=p.net, vat_treatment=p.treatment), LineSpec("800", credit=gross)]
        if p.vat:
            lines.insert(1, LineSpec("820", debit=p.vat))
    elif p.kind == "sale":
        lines = [LineSpec("610", debit=gross), LineSpec("200", credit=p.net, vat_treatment=p.treatment)]
        if p.vat:
            lines.append(LineSpec("821", credit=p.vat))
    else:
        lines = [LineSpec("200", debit=p.net, vat_treatment=p.treatment), LineSpec("610", credit=gross)]
        if p.vat:
            lines.insert(1, LineSpec("821", debit=p.vat))
    post_manual_entry(entry_date=p.day, description=f"{p.kind} {p.net}", lines=lines, actor=actor)


def reference_rows(result: calculation.ReturnFigures) -> dict[int, list[tuple]]:
    return {
        box: sorted((str(line.pk), amount, adj) for line, amount, adj in rows)
        for box, rows in result.lines_by_box.items()
        if rows
    }


def paged_rows(obligation, vat_return, settings_row, box: int) -> list[tuple]:
    """Every page of the drill-down joined up; each page in (date, number, position) order."""
    found, after = [], None
    while True:
        page = figures.box_page(obligation, vat_return, settings_row, box, after=after, size=3)
        keys = [(line.entry.date, line.entry.number, line.position) for line, _, _ in page.rows]
        assert keys == sorted(keys)
        found.extend((str(line.pk), amount, adj) for line, amount, adj in page.rows)
        if not page.next_cursor:
            return sorted(found)
        after = figures.Cursor.decode(page.next_cursor)


def check_period(obligation: VatObligation, settings_row: VatSettings) -> None:
    vat_return = VatReturn.objects.filter(obligation=obligation).first()
    reference = calculation.figures_for(obligation, vat_return, settings_row)
    sql = figures.period_figures(obligation, vat_return, settings_row)
    key = obligation.period_key
    assert sql.boxes == reference.boxes, (key, sql.boxes, reference.boxes)
    assert fingerprint(sql.boxes) == fingerprint(reference.boxes), key
    assert sql.adjustments == reference.adjustments, key
    if sql.adjustments and not sql.frozen:
        event("a draft carries late postings")
    expected = reference_rows(reference)
    assert {b: n for b, n in sql.counts.items() if n} == {b: len(r) for b, r in expected.items()}, key
    for box in (1, 4, 6, 7):
        assert paged_rows(obligation, vat_return, settings_row, box) == expected.get(box, []), (key, box)
    # Error corrections: the aggregate equals calculation.correction_lines.
    found = calculation.correction_lines(obligation, reference)
    net = sum((amount for _, amount, _ in found), Decimal(0))
    oldest = min((day for _, _, day in found), default=None)
    assert figures.correction_facts(obligation, vat_return, settings_row) == (net if found else Decimal(0), oldest)
    assert figures.correction_warnings(
        obligation, vat_return, settings_row, sql.boxes.box6
    ) == calculation.correction_warnings(obligation, reference), key
    # Left out: a subset of the reference's notices, with every one for a line dated in the period.
    assert not Counter(sql.warnings) - Counter(reference.warnings), key
    if not sql.frozen:
        first = max(obligation.start, settings_row.first_period_start)
        dated_here = [
            line
            for line in calculation.candidate_lines(obligation, settings_row)
            if first <= line.entry.date <= obligation.end
            and not line.vat_treatment
            and line.account.type in ("income", "expense")
        ]
        assert len(sql.warnings) >= len(dated_here), key


@pytest.fixture
def books_a(tenant_a, owner_a):
    with tenant_context(tenant_a):
        seed_chart_of_accounts(tenant_a)
        Account.objects.create(tenant=tenant_a, code="720", name="Office equipment", type="asset")
    return tenant_a


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(first=st.sampled_from(QUARTER_STARTS[:3]), overlap=st.booleans(), plan=steps)
def test_sql_figures_equal_the_reference_path(books_a, owner_a, first, overlap, plan):
    tenant = books_a
    with tenant_context(tenant), transaction.atomic():
        VatSettings.objects.create(tenant=tenant, scheme="standard", stagger="stagger_1", first_period_start=first)
        settings_row = VatSettings.objects.get()
        obligations = [quarter(tenant, start) for start in QUARTER_STARTS]
        if overlap:  # a month of a second VRN inside the second quarter
            obligations.append(
                VatObligationFactory(
                    tenant=tenant, vrn="987654321", period_key="25M2", start=date(2025, 2, 1),
                    end=date(2025, 2, 28), due=date(2025, 4, 7),
                )
            )  # fmt: skip
        for step in plan:
            action = step[0]
            if action == "post":
                post(step[1], owner_a)
            elif action == "reverse":
                entries = list(JournalEntry.objects.filter(reverses=None, reversals=None).order_by("number"))
                if entries:
                    original = entries[step[1] % len(entries)]
                    reverse_entry(
                        entry=original, actor=owner_a, reason="property", entry_date=max(step[2], original.date)
                    )
            elif step[1] < len(obligations):
                obligation = obligations[step[1]]
                vat_return = VatReturn.objects.filter(obligation=obligation).first()
                try:
                    if action == "freeze":
                        shown = figures.period_figures(obligation, vat_return, settings_row).boxes
                        send_for_approval(obligation=obligation, actor=owner_a, expected_fingerprint=fingerprint(shown))
                    elif vat_return is not None:
                        return_to_draft(vat_return=vat_return, actor=owner_a, reason="property")
                except FilingError:
                    pass  # refused (blocked, already frozen, nothing to send back): the books are unchanged
                for obligation in obligations:  # after every freeze and unfreeze
                    check_period(obligation, settings_row)
        for obligation in obligations:
            check_period(obligation, settings_row)
        transaction.set_rollback(True)
