"""Per-account monthly sums of journal lines, kept by statement triggers on ledger_journalline (PostgreSQL).

Why: ``trial_balance`` and ``unbalanced_as_of`` summed every line since the first posting, so the reports and
the VAT period page grew with a business's history (issue #18, decision 0043). The triggers below add (and
subtract) the lines each statement inserted (deleted, or changed) to ``ledger_accountmonth``, keyed by the
entry's month, in the writer's transaction, so the sums commit or roll back with the lines. Same pattern as
the tallies of observability 0005/0006: transition tables (one upsert per statement, account and month, not
per row), SECURITY DEFINER functions (the application role only reads the table).

Why the functions set ``app.tenant_id`` themselves, tenant by tenant: the summary table has FORCE ROW LEVEL
SECURITY like every tenant table, and the owner role runs the function, so each tenant's rows are written
inside that tenant (as ``ledger_entry_check`` in 0002 does). A line's tenant is the writer's: the lines'
own policy (WITH CHECK) proved it. The previous value is restored.

Lines refuse UPDATE and DELETE (0002), so in practice only INSERT moves the sums; the DELETE and UPDATE
triggers keep the table right if that rule is ever lifted (or bypassed by a superuser with the triggers
on). TRUNCATE of the lines (test teardown, ``flush``) empties the summary, tenant by tenant. Writes made
with ``session_replication_role = replica`` (the restore benchmark's fast path) skip every trigger, this
one included: ``SELECT ledger_rebuild_account_months()`` (as the owner) recounts from the lines.
Existing lines are summed once here, tenant by tenant, with the lines locked against writes. Why a migration
of its own after the table's: PostgreSQL checks a new foreign key with one query as the owner, which FORCE ROW
LEVEL SECURITY limits to the current tenant (none), so the foreign keys must stand before any row is written.
SQLite (the demo) has no triggers: the selectors sum the lines there.
"""

from django.db import migrations

# The lines of a transition table with their month and sign.
CHANGED = r"""
  SELECT c.tenant_id, c.account_id, date_trunc('month', e.date)::date AS month,
         {sign} * c.debit AS debit, {sign} * c.credit AS credit, {sign} AS n
  FROM {table} AS c JOIN ledger_journalentry AS e ON e.id = c.entry_id
  WHERE c.tenant_id = t
"""
UPSERT = r"""
    INSERT INTO ledger_accountmonth AS s (id, tenant_id, account_id, month, debit, credit, line_count)
    SELECT gen_random_uuid(), tenant_id, account_id, month, sum(debit), sum(credit), sum(n)
    FROM ({changes}) AS changes
    GROUP BY tenant_id, account_id, month
    HAVING sum(n) <> 0 OR sum(debit) <> 0 OR sum(credit) <> 0
    ON CONFLICT (tenant_id, account_id, month) DO UPDATE SET debit = s.debit + EXCLUDED.debit,
      credit = s.credit + EXCLUDED.credit, line_count = s.line_count + EXCLUDED.line_count;
"""
NEW = CHANGED.format(sign="1", table="month_new")
OLD = CHANGED.format(sign="-1", table="month_old")


def _function(name: str, tenants: str, body: str) -> str:
    """A trigger function applying ``body`` inside each tenant of ``tenants`` (a query of tenant ids)."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  t uuid;
  previous text := current_setting('app.tenant_id', true);
BEGIN
  FOR t IN {tenants} LOOP
    PERFORM set_config('app.tenant_id', t::text, true);
{body}
  END LOOP;
  PERFORM set_config('app.tenant_id', coalesce(previous, ''), true);
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION {name}() FROM PUBLIC;
"""


# Every tenant's months recounted from its lines (the backfill, and the repair after triggers were skipped).
REBUILD = (
    r"""
CREATE OR REPLACE FUNCTION ledger_rebuild_account_months() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
  t uuid;
  previous text := current_setting('app.tenant_id', true);
BEGIN
  FOR t IN SELECT id FROM tenancy_tenant LOOP
    PERFORM set_config('app.tenant_id', t::text, true);
    DELETE FROM ledger_accountmonth WHERE tenant_id = t;
"""  # noqa: S608 - built from this module's constants only
    + UPSERT.format(changes=CHANGED.format(sign="1", table="ledger_journalline"))
    + r"""
  END LOOP;
  PERFORM set_config('app.tenant_id', coalesce(previous, ''), true);
END $$;
REVOKE ALL ON FUNCTION ledger_rebuild_account_months() FROM PUBLIC;
"""
)

FORWARD = (
    _function("ledger_months_insert", "SELECT DISTINCT tenant_id FROM month_new", UPSERT.format(changes=NEW))  # noqa: S608
    + _function("ledger_months_delete", "SELECT DISTINCT tenant_id FROM month_old", UPSERT.format(changes=OLD))
    + _function(
        "ledger_months_update",
        "SELECT tenant_id FROM month_new UNION SELECT tenant_id FROM month_old",
        UPSERT.format(changes=f"{NEW} UNION ALL {OLD}"),
    )
    + _function(
        "ledger_months_truncate",
        "SELECT id FROM tenancy_tenant",
        "    DELETE FROM ledger_accountmonth WHERE tenant_id = t;",
    )
    + REBUILD
    + r"""
LOCK TABLE ledger_journalline IN SHARE MODE;
SELECT ledger_rebuild_account_months();

CREATE TRIGGER ledger_months_insert AFTER INSERT ON ledger_journalline
  REFERENCING NEW TABLE AS month_new FOR EACH STATEMENT EXECUTE FUNCTION ledger_months_insert();
CREATE TRIGGER ledger_months_update AFTER UPDATE ON ledger_journalline
  REFERENCING OLD TABLE AS month_old NEW TABLE AS month_new
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_months_update();
CREATE TRIGGER ledger_months_delete AFTER DELETE ON ledger_journalline
  REFERENCING OLD TABLE AS month_old FOR EACH STATEMENT EXECUTE FUNCTION ledger_months_delete();
CREATE TRIGGER ledger_months_truncate AFTER TRUNCATE ON ledger_journalline
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_months_truncate();
"""
)

BACKWARD = r"""
DROP TRIGGER IF EXISTS ledger_months_insert ON ledger_journalline;
DROP TRIGGER IF EXISTS ledger_months_update ON ledger_journalline;
DROP TRIGGER IF EXISTS ledger_months_delete ON ledger_journalline;
DROP TRIGGER IF EXISTS ledger_months_truncate ON ledger_journalline;
DROP FUNCTION IF EXISTS ledger_months_insert();
DROP FUNCTION IF EXISTS ledger_months_update();
DROP FUNCTION IF EXISTS ledger_months_delete();
DROP FUNCTION IF EXISTS ledger_months_truncate();
DROP FUNCTION IF EXISTS ledger_rebuild_account_months();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0021_account_month_summary")]

    operations = [migrations.RunPython(forward, backward)]
