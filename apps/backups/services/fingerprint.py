"""Row counts and checksums of the critical tables, per tenant, at one consistent point.

A drill records the source's fingerprint inside one REPEATABLE READ transaction and takes that
point as its recovery target; the restored copy must have the same fingerprint. Rows are read the
way the application reads them: tenant tables inside each tenant's ``app.tenant_id`` (row-level
security applies, and the ``WHERE`` keeps it exact), audit chains inside their chain's setting.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, models, transaction

from apps.accounts.models import User
from apps.audit.models import PLATFORM_CHAIN, AuditEvent
from apps.documents.models import Document
from apps.filing.models import SubmissionAttempt, VatReturn, VatReturnLine
from apps.ledger.models import Account, JournalEntry, JournalLine
from apps.tenancy.context import db_tenant
from apps.tenancy.models import Membership, Tenant

PLATFORM_TABLES: tuple[type[models.Model], ...] = (Tenant, User, Membership)
TENANT_TABLES: tuple[type[models.Model], ...] = (
    Account,
    JournalEntry,
    JournalLine,
    Document,
    VatReturn,
    VatReturnLine,
    SubmissionAttempt,
)

Fingerprint = dict[str, tuple[int, str]]  # "table" or "table@tenant" -> (rows, sum of the rows' 60-bit hashes)


@dataclass(frozen=True)
class Marker:
    """The source's state at ``at``: what the restored copy must equal when recovered to ``at``."""

    at: datetime
    fingerprint: Fingerprint


def _checksum(model: type[models.Model], where: str = "", params: tuple = ()) -> tuple[int, str]:
    # Each row's text hashed, the hashes summed as numeric: constant memory whatever the table's size
    # (a string_agg of every row would not be), and any changed, missing or extra row changes the sum.
    table = connection.ops.quote_name(model._meta.db_table)
    row_hash = "('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint::numeric"
    sql = f"SELECT count(*), coalesce(sum({row_hash}), 0)::text FROM {table} t {where}"  # noqa: S608 (model table)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        count, digest = cursor.fetchone()
    return int(count), digest


def fingerprint() -> Fingerprint:
    """The fingerprint of the current transaction's snapshot (call inside ``atomic``; PostgreSQL only)."""
    found: Fingerprint = {}
    for model in PLATFORM_TABLES:
        found[model._meta.db_table] = _checksum(model)
    chains: list[uuid.UUID] = [PLATFORM_CHAIN, *Tenant.objects.order_by("created_at").values_list("id", flat=True)]
    for chain in chains:
        with db_tenant(chain):
            found[f"{AuditEvent._meta.db_table}@{chain}"] = _checksum(AuditEvent, "WHERE chain = %s", (chain,))
            if chain == PLATFORM_CHAIN:
                continue
            for model in TENANT_TABLES:
                found[f"{model._meta.db_table}@{chain}"] = _checksum(model, "WHERE tenant_id = %s", (chain,))
    return found


def take_marker() -> Marker:
    """One consistent snapshot: its time (read as the snapshot is taken) and its fingerprint."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT clock_timestamp()")  # the first query takes the snapshot
            (at,) = cursor.fetchone()
        return Marker(at=at, fingerprint=fingerprint())


def differences(expected: Fingerprint, actual: Fingerprint, limit: int = 10) -> list[str]:
    """What differs, in words naming the table and the tenant."""
    found = []
    for key in sorted(set(expected) | set(actual)):
        want, got = expected.get(key), actual.get(key)
        if want == got:
            continue
        table, _, tenant = key.partition("@")
        where = f" of tenant {tenant}" if tenant else ""
        if want is None or got is None:
            found.append(f"{table}{where}: present on one side only")
        elif want[0] != got[0]:
            found.append(f"{table}{where}: {got[0]} rows restored, {want[0]} at the target")
        else:
            found.append(f"{table}{where}: same {want[0]} rows, different contents")
    return found[:limit]
