"""Putting one business's rows back from a point-in-time copy staged in a schema (docs/dr/tenant-data-corrupted.md).

The runbook stages the copy's rows in ``tenant_restore`` (one table per table to put back); ``MERGE_SQL``,
the same block the runbook prints, then runs as the owner role in the business's row-level-security
context: rows that differ are put back, deleted rows re-inserted, rows only in production (made after the
point in time) left alone and counted. The append-only journal and audit log are refused.
``preview_tenant_rows`` runs it and rolls back (the dry run); ``restore_tenant_rows`` commits, audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction

from apps.audit.privileged import privileged
from apps.audit.services import record_event
from apps.tenancy.context import tenant_context

OWNER = "owner"
SCHEMA = "tenant_restore"
MERGE_SQL = """DO $merge$
DECLARE
  tenant uuid := current_setting('app.tenant_id')::uuid;
  t text;
  cols text;
  sets text;
  changed bigint;
  added bigint;
  newer bigint;
BEGIN
  FOR t IN SELECT table_name FROM information_schema.tables WHERE table_schema = 'tenant_restore'
           ORDER BY table_name LOOP
    IF t IN ('ledger_journalentry', 'ledger_journalline', 'audit_auditevent') THEN
      RAISE EXCEPTION '% is append-only: correct it with a reversal, never by overwriting', t;
    END IF;
    IF t = 'ledger_accountmonth' THEN
      RAISE EXCEPTION '% is summed from the journal by triggers: never put back (decision 0043)', t;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = 'public' AND table_name = t AND column_name = 'tenant_id') THEN
      RAISE EXCEPTION '% has no tenant_id: not one business''s table', t;
    END IF;
    SELECT string_agg(format('%I', column_name), ', ' ORDER BY ordinal_position),
           string_agg(format('%I = s.%I', column_name, column_name), ', ' ORDER BY ordinal_position)
           FILTER (WHERE column_name NOT IN ('id', 'tenant_id'))
      INTO cols, sets
      FROM information_schema.columns WHERE table_schema = 'public' AND table_name = t;
    EXECUTE format('UPDATE public.%I AS p SET %s FROM tenant_restore.%I AS s
                    WHERE p.id = s.id AND p.tenant_id = $1 AND s.tenant_id = $1 AND p IS DISTINCT FROM s',
                   t, sets, t) USING tenant;
    GET DIAGNOSTICS changed = ROW_COUNT;
    EXECUTE format('INSERT INTO public.%I (%s) SELECT %s FROM tenant_restore.%I AS s
                    WHERE s.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM public.%I AS p WHERE p.id = s.id)',
                   t, cols, cols, t, t) USING tenant;
    GET DIAGNOSTICS added = ROW_COUNT;
    EXECUTE format('SELECT count(*) FROM public.%I AS p WHERE p.tenant_id = $1
                    AND NOT EXISTS (SELECT 1 FROM tenant_restore.%I AS s WHERE s.id = p.id)', t, t)
      INTO newer USING tenant;
    RAISE NOTICE '%: % rows put back, % re-inserted, % only in production (left alone)', t, changed, added, newer;
  END LOOP;
END
$merge$;
"""
NOTICE = re.compile(
    r"^(?P<table>\w+): (?P<changed>\d+) rows put back, (?P<added>\d+) re-inserted, (?P<newer>\d+) only in"
)


@dataclass(frozen=True)
class TableOutcome:
    table: str
    put_back: int
    re_inserted: int
    only_in_production: int


def _merge(tenant_id: Any) -> list[TableOutcome]:
    """Run the merge on the owner connection, inside the caller's transaction; the notices are the outcome."""
    owner = connections[OWNER]
    owner.ensure_connection()
    notices: list[str] = []

    def collect(diagnostic: Any) -> None:
        notices.append(diagnostic.message_primary or "")

    owner.connection.add_notice_handler(collect)
    try:
        with owner.cursor() as cursor:
            cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)])
            cursor.execute(MERGE_SQL)
    finally:
        owner.connection.remove_notice_handler(collect)
    outcomes = []
    for line in notices:
        found = NOTICE.match(line)
        if found:
            outcomes.append(
                TableOutcome(found["table"], int(found["changed"]), int(found["added"]), int(found["newer"]))
            )
    return outcomes


def preview_tenant_rows(*, tenant: Any) -> list[TableOutcome]:
    """The dry run: what the merge would do, rolled back."""
    with transaction.atomic(using=OWNER):
        outcomes = _merge(tenant.pk)
        transaction.set_rollback(True, using=OWNER)
    return outcomes


@privileged("backups.tenant_rows.")
def restore_tenant_rows(*, tenant: Any, actor: Any = None, point_in_time: str = "") -> list[TableOutcome]:
    """Put the staged rows back in one owner transaction, with an audit event on the business's chain.

    The event is written (on the application connection) before the owner transaction commits, so a
    failure to audit rolls the merge back; only a crash between the two commits could leave it unrecorded.
    """
    with transaction.atomic(using=OWNER):
        outcomes = _merge(tenant.pk)
        tables = ", ".join(f"{o.table} ({o.put_back} put back, {o.re_inserted} re-inserted)" for o in outcomes)
        with tenant_context(tenant):  # the audit log's row-level security: the business's own chain
            record_event(
                "backups.tenant_rows.restored",
                actor=actor,
                actor_label="" if actor else "manage.py restore_tenant_rows",
                tenant_id=tenant.pk,
                target=tenant,
                after={"point_in_time": point_in_time, "tables": tables},
            )
    return outcomes
