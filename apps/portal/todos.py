"""What needs doing now, per business: a registry the apps above fill (decision 0042).

Why a registry: the portal sits below documents, the ledger, filing and
integrations (decision 0009), yet its home page and the accountant's portfolio
show their figures. Each of those apps registers one ``TodoSource`` in its
``AppConfig.ready`` (the pattern of the ledger's file gate): how to read its
to-dos inside one business, and how to read its figures for every business of
one person in a constant number of queries. The portal composes them and knows
nothing of documents or returns.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Todo:
    """One line of a business's home page: what, how many, and the filtered page where it is done."""

    key: str
    label: str
    url: str
    count: int = 0
    needs_action: bool = False  # False: a fact shown for reassurance (connected, next return on track)
    level: str = "info"  # info | warning | danger: the badge
    detail: str = ""
    blockers: Sequence[str] = ()


@dataclass(frozen=True)
class Cell:
    """One business's figure in one portfolio column."""

    text: str
    url: str = ""
    risk: int = 0  # higher is worse; compared within its column only
    due: date | None = None  # the deadline column's sort value
    level: str = ""


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    risk_rank: int  # lower weighs more when sorting by risk (decision 0042)


@dataclass(frozen=True)
class Business:
    """What a source needs to build links and read figures: no model instance crosses the registry."""

    id: uuid.UUID
    slug: str
    name: str


@dataclass(frozen=True)
class TodoSource:
    key: str
    order: int  # position on the home page
    columns: Sequence[Column]
    # Inside the business's tenant_context: its to-dos, bounded queries whatever its history.
    todos: Callable[[Business], list[Todo]]
    # Every business of one person, outside any tenant: {business id: {column key: Cell}} in constant queries.
    portfolio: Callable[[Any, Sequence[Business]], dict[uuid.UUID, dict[str, Cell]]]
    extra: dict = field(default_factory=dict)


_SOURCES: dict[str, TodoSource] = {}


def register_todo_source(source: TodoSource) -> None:
    """Called from an app's ``ready``; registering a key again replaces it (tests, reloads)."""
    _SOURCES[source.key] = source


def todo_sources() -> list[TodoSource]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.key))


def portfolio_columns() -> list[Column]:
    return [column for source in todo_sources() for column in source.columns]
