"""A business with its chart, VAT settings and the 2025 quarters (now tests/factories/books.py; kept for imports)."""

from __future__ import annotations

from tests.factories.books import vat_books as quarters_of_2025

__all__ = ["quarters_of_2025"]
