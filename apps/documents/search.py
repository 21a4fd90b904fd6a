"""Search of the documents list by supplier and number, although the extraction is encrypted (decision 0035).

Each document keeps blind-index tokens (``apps.security_center.crypto.blind_index``:
a per-tenant HMAC of a normalised word, 16 bytes) of its supplier name's words,
its document number and its supplier VAT number, in ``DocumentSearchToken`` rows
written by ``Document.save`` whenever the extraction is written. A search turns the
typed words into tokens the same way and asks SQL for documents holding every one:
no row is decrypted to search, and a token means nothing outside its tenant (the
index key is the tenant's own). Equality on whole words only: no prefixes.

The same rows carry the document's *period* tokens (decision 0037), under their
own label so they can never match a typed word: one for the month of its own
(sealed) date and one saying it has a date. A VAT period's blockers then ask SQL
for the unresolved documents of the period's months, and open only those to
compare the exact day, instead of opening every unresolved document ever kept.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from apps.security_center.crypto.blind_index import blind_index, normalize

SEARCH_LABEL = "documents.search"
PERIOD_LABEL = "documents.period"
DATED = "dated"
# The total's token is a blind index under its own label, so an amount never matches a word or a number
# ("120.00" typed as text finds an invoice numbered 120.00, not every £120 document). Issue #13.
AMOUNT_LABEL = "documents.search.amount"
MAX_QUERY_WORDS = 8


def _value(extraction: Any, name: str) -> str:
    value = ((extraction or {}).get(name) or {}).get("value") if isinstance(extraction, dict) else None
    return value if isinstance(value, str) else ""


def _words(text: str) -> list[str]:
    return [w for w in (normalize(part) for part in text.split()) if w]


def search_terms(extraction: Any) -> set[str]:
    """The normalised words a document can be found by (supplier name words, its number, the VAT number)."""
    terms = set(_words(_value(extraction, "supplier_name")))
    for name in ("document_number", "supplier_vat_number"):
        whole = normalize(_value(extraction, name))
        if whole:
            terms.add(whole)
    vat = normalize(_value(extraction, "supplier_vat_number"))
    if vat.startswith("gb") and len(vat) > 2:
        terms.add(vat[2:])  # found with or without the country prefix
    return terms


def _token(tenant_id: uuid.UUID, term: str) -> bytes:
    return blind_index(tenant_id, term, label=SEARCH_LABEL)


def issue_date(extraction: Any) -> date | None:
    """The document's own date as read or corrected, or None when it is not known (or not a date)."""
    value = _value(extraction, "issue_date")
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def period_terms(extraction: Any) -> set[str]:
    """ "dated" and the month of the document's own date; nothing for a document whose date is not known."""
    day = issue_date(extraction)
    return {DATED, _month(day)} if day else set()


def _period_token(tenant_id: uuid.UUID, term: str) -> bytes:
    return blind_index(tenant_id, term, label=PERIOD_LABEL)


def month_tokens(tenant_id: uuid.UUID, start: date, end: date) -> list[bytes]:
    """The period tokens of every month that ``start``..``end`` touches (a quarter: three)."""
    tokens, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        tokens.append(_period_token(tenant_id, f"{year:04d}-{month:02d}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tokens


def month_tokens_split(tenant_id: uuid.UUID, start: date, end: date) -> tuple[list[bytes], list[bytes]]:
    """(tokens of the months wholly inside ``start``..``end``, tokens of the months it only touches).

    A document holding a whole month's token is dated in the period without opening it; only those in a
    partly covered month need their sealed date read (a calendar quarter has none)."""
    whole, partial, year, month = [], [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        first = date(year, month, 1)
        after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        inside = start <= first and after - timedelta(days=1) <= end
        (whole if inside else partial).append(_period_token(tenant_id, f"{year:04d}-{month:02d}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return whole, partial


def dated_token(tenant_id: uuid.UUID) -> bytes:
    return _period_token(tenant_id, DATED)


def amount_term(value: Any) -> str:
    """The total as the search stores it (two decimals, no sign or separators), or "" when it is not a number."""
    try:
        amount = Decimal(str(value).replace(",", "").replace("£", "").strip())
    except (InvalidOperation, ValueError):
        return ""
    return f"{abs(amount):.2f}" if amount.is_finite() else ""


def amount_token(tenant_id: uuid.UUID, value: Any) -> bytes | None:
    """The blind index of a total (equality only: a range of amounts cannot be searched on sealed data)."""
    term = amount_term(value)
    return blind_index(tenant_id, term, label=AMOUNT_LABEL) if term else None


def document_tokens(tenant_id: uuid.UUID, extraction: Any) -> set[bytes]:
    """Tokens to store for a document: its search words, its total and its period (needs the tenant's key)."""
    tokens = {_token(tenant_id, term) for term in search_terms(extraction)}
    tokens |= {_period_token(tenant_id, term) for term in period_terms(extraction)}
    gross = ((extraction or {}).get("gross") or {}).get("value") if isinstance(extraction, dict) else None
    if gross is not None and (amount := amount_token(tenant_id, gross)) is not None:
        tokens.add(amount)
    return tokens


def query_tokens(tenant_id: uuid.UUID, query: str) -> tuple[list[bytes], bytes | None]:
    """(one token per typed word, the token of the whole query as one word or None).

    A document matches when it holds every word's token, or the whole query's
    (so "GB 123 456 789" finds the VAT number typed with spaces).
    """
    words = list(dict.fromkeys(_words(query)))[:MAX_QUERY_WORDS]
    whole = normalize(query)
    phrase = _token(tenant_id, whole) if len(words) > 1 and whole else None
    return [_token(tenant_id, w) for w in words], phrase
