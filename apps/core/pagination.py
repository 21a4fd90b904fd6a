"""Keyset ("seek") pagination with an opaque, signed cursor (decision 0035).

Why keyset and not ``OFFSET``: an offset page costs the rows before it (page
4,000 of a 200k-document tenant reads 200k rows) and a ``COUNT(*)``, and rows
inserted while someone pages shift every later page (a row seen twice or never).
A keyset page is "the next ``size`` rows after this row's sort key": one index
range scan of ``size + 1`` rows whatever the page, and stable under inserts.

The cursor is the last row's sort key, signed with ``SECRET_KEY`` and a salt
naming the list: a client cannot forge a key, nor carry one list's cursor to
another. A cursor that does not verify is a 400 (:class:`InvalidCursor`), never
a 500. The ordering must end with a unique column (the primary key) and use
non-null columns, so that "after this key" is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet

from apps.core.errors import ApplicationError

MAX_PAGE_SIZE = 200


class InvalidCursor(ApplicationError):
    status = 400
    code = "invalid_cursor"
    default_message = (
        "That page link is not valid (it may be from another list, or altered). Start from the first page."
    )


class InvalidPageSize(ApplicationError):
    status = 400
    code = "invalid_page_size"
    default_message = f"The page size must be a whole number from 1 to {MAX_PAGE_SIZE}."


@dataclass(frozen=True)
class KeysetPage:
    """One page: its rows, and the cursor of the page after it (None on the last page)."""

    items: list[Any]
    next_cursor: str | None
    first: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def page_size(value: str | int | None, *, default: int) -> int:
    """A requested page size, validated (bad input is a 400, not a silent default)."""
    if value in (None, ""):
        return default
    try:
        size = int(value)
    except (TypeError, ValueError):
        raise InvalidPageSize() from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidPageSize()
    return size


def _fields(model: type[Model], order: Sequence[str]) -> list[tuple[str, bool]]:
    parsed = [(name.lstrip("-"), name.startswith("-")) for name in order]
    if parsed[-1][0] not in {"pk", "id", model._meta.pk.name}:
        raise ValueError("a keyset ordering must end with the primary key (the unique tie-breaker)")
    return parsed


def _field(model: type[Model], name: str):
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def encode_cursor(row: Model, order: Sequence[str], *, salt: str) -> str:
    """The opaque cursor after ``row`` (its sort key, signed)."""
    key = [_field(type(row), name).value_to_string(row) for name, _ in _fields(type(row), order)]
    return signing.dumps(key, salt=f"keyset:{salt}", compress=True)


def decode_cursor(cursor: str, model: type[Model], order: Sequence[str], *, salt: str) -> list[Any]:
    """The sort key a cursor carries, typed; InvalidCursor for anything that is not one of ours for this list."""
    fields = _fields(model, order)
    try:
        raw = signing.loads(cursor, salt=f"keyset:{salt}")
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        raise InvalidCursor() from None
    if not isinstance(raw, list) or len(raw) != len(fields) or not all(isinstance(v, str) for v in raw):
        raise InvalidCursor()
    try:
        return [_field(model, name).to_python(value) for (name, _), value in zip(fields, raw, strict=True)]
    except (ValidationError, ValueError, TypeError):
        raise InvalidCursor() from None


def after_key(model: type[Model], order: Sequence[str], key: Sequence[Any]) -> Q:
    """Rows strictly after ``key`` in ``order``: (a, b, c) > (ka, kb, kc), expanded for mixed directions.

    The leading column's bound (``a <= ka`` descending) is repeated outside the OR so the
    planner can start its index range scan at the key instead of filtering from the top.
    """
    fields = _fields(model, order)
    condition = Q()
    equal = Q()
    for (name, descending), value in zip(fields, key, strict=True):
        condition |= equal & Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
        equal &= Q(**{name: value})
    first, first_desc = fields[0]
    return Q(**{f"{first}__{'lte' if first_desc else 'gte'}": key[0]}) & condition


def keyset_page(queryset: QuerySet, *, order: Sequence[str], cursor: str | None, size: int, salt: str) -> KeysetPage:
    """The page of ``queryset`` (ordered by ``order``) after ``cursor`` (or the first page).

    One query of ``size + 1`` rows: the extra row only says whether there is a next page.
    """
    model = queryset.model
    if cursor:
        queryset = queryset.filter(after_key(model, order, decode_cursor(cursor, model, order, salt=salt)))
    rows = list(queryset.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = encode_cursor(rows[-1], order, salt=salt) if more and rows else None
    return KeysetPage(items=rows, next_cursor=next_cursor, first=not cursor)


def url_with_cursor(request: Any, cursor: str | None) -> str:
    """The list's URL with its filters kept and the cursor replaced (None: the first page)."""
    query = request.GET.copy()
    query.pop("cursor", None)
    query.pop("page", None)  # an offset page number from before keyset pages means nothing now
    if cursor:
        query["cursor"] = cursor
    return f"{request.path}?{query.urlencode()}" if query else request.path


def page_links(request: Any, page: KeysetPage) -> dict[str, str]:
    """``next_url`` and ``first_url`` for ``components/keyset_pagination.html``."""
    return {
        "next_url": url_with_cursor(request, page.next_cursor) if page.next_cursor else "",
        "first_url": "" if page.first else url_with_cursor(request, None),
    }
