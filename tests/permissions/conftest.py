"""The filing fixtures, for the policy's filing tests (a VAT period's books)."""

from tests.filing.conftest import books_a  # noqa: F401  (a fixture)
