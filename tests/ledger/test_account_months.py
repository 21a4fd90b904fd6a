"""The monthly account summary (migrations 0020/0021, decision 0043) and the balances read from it.

The reference is independent of both the summary and the SQL: hypothesis posts random balanced journals
(dates across months and years, reversals dated on or after their entry) through the ledger's own services,
and a plain Python recomputation over the postings it generated gives every account's debits and credits up
to any date. The summary-based selectors must equal it at every date tried: month ends (whole months only),
mid-month dates (whole months plus the lines of one month), dates before the first posting and after the last.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import ProgrammingError, connection, connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.ledger import balances, selectors, services
from apps.ledger.chart import DEFAULT_CHART
from apps.ledger.models import AccountMonth
from apps.ledger.services import LineSpec
from apps.tenancy.context import tenant_context
from tests.factories import TenantFactory
from tests.ledger.builders import classified, make_extraction

ZERO = Decimal("0.00")
CODES = sorted(spec.code for spec in DEFAULT_CHART)
FIRST_DAY = date(2023, 11, 1)


@pytest.mark.parametrize(
    ("as_of", "cut"),
    [
        (date(2025, 1, 31), date(2025, 2, 1)),  # a month's last day: the whole month from the summary
        (date(2024, 2, 29), date(2024, 3, 1)),
        (date(2024, 2, 28), date(2024, 2, 1)),  # not the last day in a leap year: February's lines
        (date(2025, 12, 31), date(2026, 1, 1)),
        (date(2025, 3, 1), date(2025, 3, 1)),
        (date(2025, 3, 15), date(2025, 3, 1)),
        (date.max, date(9999, 12, 1)),
    ],
)
def test_month_cut(as_of, cut):
    assert balances.month_cut(as_of) == cut


@st.composite
def journals(draw) -> tuple[date, list[tuple[str, Decimal]], int | None]:
    """(day, [(code, signed amount: debit positive)], days after it to reverse it, or None)."""
    day = FIRST_DAY + timedelta(days=draw(st.integers(0, 800)))
    amounts = [
        draw(st.decimals(min_value="-900.00", max_value="900.00", places=2)) for _ in range(draw(st.integers(1, 3)))
    ]
    amounts = [a for a in amounts if a] or [Decimal("1.00")]
    if not sum(amounts):
        amounts.append(Decimal("1.00"))
    amounts.append(-sum(amounts))
    codes = [draw(st.sampled_from(CODES)) for _ in amounts]
    reversal = draw(st.one_of(st.none(), st.integers(0, 120)))
    return day, list(zip(codes, amounts, strict=True)), reversal


def _reference(postings: list[tuple[date, str, Decimal]], as_of: date | None) -> list[tuple[str, Decimal, Decimal]]:
    """(code, debits, credits) of every account with a line dated up to ``as_of``, in code order."""
    sums: dict[str, list[Decimal]] = {}
    for day, code, amount in postings:
        if as_of is None or day <= as_of:
            debit_credit = sums.setdefault(code, [ZERO, ZERO])
            debit_credit[0 if amount > 0 else 1] += abs(amount)
    return [(code, d, c) for code, (d, c) in sorted(sums.items())]


def _months(postings: list[tuple[date, str, Decimal]]) -> dict[tuple[str, date], tuple[Decimal, Decimal, int]]:
    found: dict[tuple[str, date], list] = defaultdict(lambda: [ZERO, ZERO, 0])
    for day, code, amount in postings:
        row = found[(code, day.replace(day=1))]
        row[0 if amount > 0 else 1] += abs(amount)
        row[2] += 1
    return {key: tuple(value) for key, value in found.items()}


@pytest.fixture
def chart_and_owner(tenant_a):
    from tests.conftest import make_member

    with tenant_context(tenant_a):
        services.seed_chart_of_accounts(tenant_a)
    return tenant_a, make_member(tenant_a)


@pytest.mark.postgres
@pytest.mark.django_db
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(
    written=st.lists(journals(), min_size=1, max_size=10),
    probes=st.lists(st.integers(-40, 1000), min_size=1, max_size=6),
)
def test_balances_from_the_summary_equal_a_python_recomputation(chart_and_owner, written, probes):
    tenant, owner = chart_and_owner
    postings: list[tuple[date, str, Decimal]] = []  # every line written: (day, code, signed amount)
    with tenant_context(tenant), transaction.atomic():
        for day, lines, reverse_after in written:
            specs = [LineSpec(code, debit=a) if a > 0 else LineSpec(code, credit=-a) for code, a in lines]
            entry = services.post_manual_entry(entry_date=day, description="property", lines=specs, actor=owner)
            postings += [(day, code, amount) for code, amount in lines]
            if reverse_after is not None:
                undone = day + timedelta(days=reverse_after)
                services.reverse_entry(entry=entry, actor=owner, reason="property", entry_date=undone)
                postings += [(undone, code, -amount) for code, amount in lines]

        days = [FIRST_DAY + timedelta(days=p) for p in probes]
        days += [(d.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1) for d in days]  # month ends
        for as_of in [*days, None]:
            tb = selectors.trial_balance(as_of)
            expected = _reference(postings, as_of)
            assert [(r.code, r.debit_total, r.credit_total) for r in tb.rows] == expected, as_of
            assert [(s.code, s.debit, s.credit) for s in balances._from_lines(as_of)] == expected, as_of
            assert tb.balanced
            if as_of is not None:
                assert selectors.unbalanced_as_of(as_of) == ZERO
        stored = {
            (m.account.code, m.month): (m.debit, m.credit, m.line_count)
            for m in AccountMonth.objects.select_related("account")
        }
        assert stored == _months(postings)
        chart = {a.code: a.line_count for a in selectors.chart_of_accounts()}
        assert len(chart) == len(CODES)
        assert {code: n for code, n in chart.items() if n} == Counter(code for _, code, _ in postings)
        transaction.set_rollback(True)


def _post(tenant, day: date, amount: str = "100.00") -> None:
    with tenant_context(tenant):
        services.post_manual_entry(
            entry_date=day,
            description="Capital",
            lines=[LineSpec("090", debit=Decimal(amount)), LineSpec("970", credit=Decimal(amount))],
            actor=None,
        )


@pytest.mark.postgres
@pytest.mark.django_db
def test_each_business_sees_and_sums_only_its_own_months(chart_a, chart_b):
    _post(chart_a, date(2025, 1, 5))
    _post(chart_a, date(2025, 1, 20), "50.00")
    _post(chart_b, date(2025, 2, 1), "7.00")
    with tenant_context(chart_a):
        assert sorted(AccountMonth.objects.values_list("month", "debit", "credit", "line_count")) == [
            (date(2025, 1, 1), ZERO, Decimal("150.00"), 2),
            (date(2025, 1, 1), Decimal("150.00"), ZERO, 2),
        ]
        first = selectors.trial_balance(date(2025, 1, 31)).rows[0]
        assert (first.code, first.debit_total) == ("090", Decimal("150.00"))
        assert selectors.trial_balance(date.max).total_debit == Decimal("150.00")  # the calendar's ends
        assert selectors.trial_balance(date.min).rows == []
    with tenant_context(chart_b):
        assert set(AccountMonth.objects.values_list("month", flat=True)) == {date(2025, 2, 1)}
        assert selectors.trial_balance(date(2025, 1, 31)).rows == []
        assert selectors.trial_balance(None).total_debit == Decimal("7.00")


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO ledger_accountmonth (id, tenant_id, account_id, month, debit, credit, line_count)"
        " SELECT gen_random_uuid(), tenant_id, id, '2025-01-01', 1, 0, 1 FROM ledger_account LIMIT 1",
        "UPDATE ledger_accountmonth SET debit = debit + 1",
        "DELETE FROM ledger_accountmonth",
    ],
)
def test_the_application_role_only_reads_the_summary(chart_a, sql):
    _post(chart_a, date(2025, 1, 5))
    with tenant_context(chart_a), pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_outside_a_business_the_balances_are_refused(db):
    from django_scopes import ScopeError

    with pytest.raises(ScopeError):
        balances.account_sums(date(2025, 1, 1))


def _owner_months(cursor, tenant) -> list[tuple]:
    cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant.pk)])
    cursor.execute("SELECT month, sum(debit), sum(credit), sum(line_count) FROM ledger_accountmonth GROUP BY month")
    return sorted(cursor.fetchall())


@pytest.mark.postgres
def test_deletes_updates_and_truncates_of_lines_move_the_summary_too(committed_db):
    """Lines are immutable (0002), but an owner who lifts that rule must not leave the summary wrong."""
    tenant = TenantFactory()
    with tenant_context(tenant):
        services.seed_chart_of_accounts(tenant)
        services.post_document(document_id=uuid.uuid4(), extraction=make_extraction(), classification=classified())
    _post(tenant, date(2025, 5, 9), "40.00")
    owner = connections["owner"]

    class Undo(Exception):
        pass

    with transaction.atomic(using="owner"), owner.cursor() as cursor:
        before = _owner_months(cursor, tenant)
    assert [row[0] for row in before] == [date(2025, 3, 1), date(2025, 5, 1)]
    may = date(2025, 5, 1)
    for sql, expected in [
        ("DELETE FROM ledger_journalline WHERE debit = 40", [before[0], (may, ZERO, Decimal("40.00"), 1)]),
        (
            "UPDATE ledger_journalline SET credit = credit + 1 WHERE credit = 40",
            [before[0], (may, Decimal("40.00"), Decimal("41.00"), 2)],
        ),
        ("TRUNCATE ledger_journalline CASCADE", []),
    ]:  # fmt: skip
        with pytest.raises(Undo), transaction.atomic(using="owner"), owner.cursor() as cursor:
            cursor.execute("ALTER TABLE ledger_journalline DISABLE TRIGGER ledger_line_immutable")
            cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant.pk)])
            cursor.execute(sql)
            assert _owner_months(cursor, tenant) == expected, sql
            raise Undo  # roll back: the deferred balance check would refuse the half-deleted entry anyway
    with transaction.atomic(using="owner"), owner.cursor() as cursor:
        assert _owner_months(cursor, tenant) == before
