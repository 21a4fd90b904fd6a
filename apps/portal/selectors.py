"""Reads behind the business home page and the accountant's portfolio (decision 0042)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from apps.portal.todos import Business, Cell, Column, Todo, portfolio_columns, todo_sources
from apps.tenancy.models import Membership, Tenant

PORTFOLIO_SORTS = ("risk", "deadline", "name")
VISIBLE_STATUSES = (Tenant.Status.ONBOARDING, Tenant.Status.ACTIVE)


def business_of(tenant: Tenant) -> Business:
    return Business(id=tenant.pk, slug=tenant.slug, name=tenant.name)


@dataclass(frozen=True)
class HomeTodos:
    todos: list[Todo]

    @property
    def to_do(self) -> list[Todo]:
        return [t for t in self.todos if t.needs_action]

    @property
    def all_clear(self) -> bool:
        return not self.to_do


def home_todos(tenant: Tenant) -> HomeTodos:
    """Every registered source's to-dos for the current business (inside its tenant_context)."""
    business = business_of(tenant)
    return HomeTodos([todo for source in todo_sources() for todo in source.todos(business)])


@dataclass(frozen=True)
class PortfolioRow:
    business: Business
    role: str
    cells: dict[str, Cell]
    in_order: tuple[Cell, ...] = ()  # the cells in the columns' order, for the table

    def cell(self, key: str) -> Cell:
        return self.cells.get(key) or Cell(text="—")

    def ordered_cells(self, columns: list[Column]) -> list[Cell]:
        return [self.cell(c.key) for c in columns]

    @property
    def due(self) -> date | None:
        return min((c.due for c in self.cells.values() if c.due is not None), default=None)

    @property
    def needs_action(self) -> bool:
        return any(c.risk > 0 for c in self.cells.values())


def _risk_key(row: PortfolioRow, columns: list[Column]) -> tuple:
    ranked = sorted(columns, key=lambda c: c.risk_rank)
    return (*(-row.cell(c.key).risk for c in ranked), row.due or date.max, row.business.name.lower())


def portfolio(user, *, sort: str = "risk") -> tuple[list[Column], list[PortfolioRow]]:
    """The businesses ``user`` is a member of, each with every source's figures; constant queries.

    Only the user's own memberships are read (one query), and each source reads
    its figures for exactly those businesses in one query of its own, whatever
    their number: never a pass per business.
    """
    memberships = list(
        Membership.objects.filter(user=user, user__is_active=True, tenant__status__in=VISIBLE_STATUSES)
        .select_related("tenant")
        .order_by("tenant__name")
    )
    businesses = [business_of(m.tenant) for m in memberships]
    cells: dict = {b.id: {} for b in businesses}
    for source in todo_sources():
        if not businesses:
            break
        for business_id, figures in source.portfolio(user, businesses).items():
            if business_id in cells:  # a source can never add a business the person is not a member of
                cells[business_id].update(figures)
    columns = portfolio_columns()
    rows = []
    for business, membership in zip(businesses, memberships, strict=True):
        row = PortfolioRow(business, membership.get_role_display(), cells[business.id])
        rows.append(PortfolioRow(business, row.role, row.cells, tuple(row.ordered_cells(columns))))
    if sort == "deadline":
        rows.sort(key=lambda r: (r.due or date.max, r.business.name.lower()))
    elif sort == "risk":
        rows.sort(key=lambda r: _risk_key(r, columns))
    return columns, rows
