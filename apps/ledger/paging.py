"""Keyset pages over journal lines in (entry date, journal number, line position) order (decision 0034).

Why a keyset and not page numbers: a page is found from the index on entries by date without counting or
skipping the rows before it, so the hundredth page costs what the first does. The cursor is the last row's
key, carried in the query string.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last row's entry date, journal number and line position."""

    day: date
    number: int
    position: int

    def encode(self) -> str:
        return f"{self.day.isoformat()}.{self.number}.{self.position}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Parse ``YYYY-MM-DD.number.position``; ValueError for anything else (the views answer 400)."""
        day, number, position = text.split(".")
        found = cls(date.fromisoformat(day), int(number), int(position))
        if found.number < 0 or found.position < 0:
            raise ValueError("negative cursor")
        return found

    @classmethod
    def of(cls, line) -> Cursor:
        """The key of a journal line (its entry loaded with it)."""
        return cls(line.entry.date, line.entry.number, line.position)

    def after(self, prefix: str = "") -> Q:
        """Journal lines strictly after this key; ``prefix`` reaches them through a relation."""
        d, n, p = f"{prefix}entry__date", f"{prefix}entry__number", f"{prefix}position"
        return (
            Q(**{f"{d}__gt": self.day})
            | Q(**{d: self.day, f"{n}__gt": self.number})
            | Q(**{d: self.day, n: self.number, f"{p}__gt": self.position})
        )


ORDER = ("entry__date", "entry__number", "position")
