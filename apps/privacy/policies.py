"""Retention policies, one per data category: how long, from when, and what happens when the time is up.

The record of processing activities (docs/security/record-of-processing.md) lists the same categories;
``tests/privacy/test_policies.py`` fails when the two disagree. Periods are settings (PRIVACY_*), so an
installation can lengthen them; the statutory six years are a floor the settings cannot go below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

STATUTORY_MINIMUM_YEARS = 6  # VAT and company records: six years after the end of the accounting period


@dataclass(frozen=True)
class Policy:
    category: str
    title: str
    period: str  # in words, for the pages and the certificate
    action: str  # "delete", "report" (kept: a reviewed purge, never the job) or "restrict"
    basis: str  # why this period (lawful basis, statute)


def statutory_years() -> int:
    return max(STATUTORY_MINIMUM_YEARS, settings.PRIVACY_STATUTORY_YEARS)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def accounting_period_end(record_date: date) -> date:
    """The latest end of an accounting period that contains ``record_date``.

    No financial year end is held per business, so the conservative bound is taken: a period that
    contains the date ends at most twelve months after it. Retention then never ends early.
    """
    return _add_years(record_date, 1) - timedelta(days=1)


def statutory_retain_until(record_date: date) -> date:
    """Six years (PRIVACY_STATUTORY_YEARS, never fewer) after the end of the record's accounting period."""
    return _add_years(accounting_period_end(record_date), statutory_years())


def statutory_cutoff(today: date) -> date:
    """Records dated before this day are past statutory retention on ``today``."""
    # retain_until(d) < today  <=>  d + 1y - 1d + Ny < today  <=>  d < today - (N+1)y + 1d
    return _add_years(today, -(statutory_years() + 1)) + timedelta(days=1)


def policies() -> list[Policy]:
    years = statutory_years()
    return [
        Policy(
            "documents",
            "Documents (receipts and invoices) and their files",
            f"{years} years after the end of the accounting period",
            "delete",
            "Legal obligation, Art. 6(1)(c): HMRC VAT record keeping; Companies Act 2006 s.388",
        ),
        Policy(
            "ledger_filings",
            "Ledger (journal entries, bank lines) and VAT returns with HMRC receipts",
            f"{years} years after the end of the accounting period",
            "report",
            "Legal obligation, Art. 6(1)(c). Posted entries are immutable in the database: due rows are "
            "reported for a reviewed purge, never deleted by the job",
        ),
        Policy(
            "audit",
            "Audit log (hash-chained) and application logs",
            f"{settings.PRIVACY_AUDIT_YEARS} years; logs {settings.PRIVACY_LOG_DAYS} days in the log store",
            "report",
            "Legitimate interest and Art. 5(2) accountability; append-only chain, so due events are reported "
            "for an archived export of the chain, never deleted one by one",
        ),
        Policy(
            "sessions",
            "Sign-in sessions",
            "until they expire",
            "delete",
            "Contract, Art. 6(1)(b); nothing is kept after expiry",
        ),
        Policy(
            "failed_uploads",
            "Failed, rejected, duplicate and archived uploads (never posted)",
            f"{settings.PRIVACY_FAILED_UPLOAD_DAYS} days after they were set aside",
            "delete",
            "Not accounting records; kept only so a person can restore or re-send them",
        ),
        Policy(
            "synthetic",
            "The synthetic monitor's business (documents every minute) and its run records",
            f"{settings.PRIVACY_SYNTHETIC_DAYS} days",
            "delete",
            "Fictitious data made by the platform's own monitor; kept only to debug recent runs",
        ),
        Policy(
            "exports",
            "Subject access and business exports",
            f"{settings.PRIVACY_EXPORT_KEEP_DAYS} days after they were made",
            "delete",
            "Made on request; the download link expires sooner",
        ),
    ]


CATEGORIES = ("documents", "ledger_filings", "audit", "sessions", "failed_uploads", "synthetic", "exports")
