"""Give returns frozen before decision 0034 their ``claimed_through``, so their periods are not scanned whole.

For each frozen return: one below the lowest-numbered line dated in its period that would count in a box
and that the return did not claim (every line numbered up to it is claimed by this return, which keeps
holding it while frozen and takes it again on a re-freeze); the tenant's last journal number when there is
none. Per tenant under its row-level security setting on PostgreSQL. Rerunnable: only NULLs are filled.
"""

from django.db import migrations

FROZEN = ("awaiting_approval", "approved", "submitting", "submitted")
COUNTED = ("standard", "reduced", "zero", "exempt", "mixed")
SYSTEM = ("090", "610", "800", "820", "821")


def _quoted(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


UPDATE = f"""
UPDATE filing_vatreturn SET claimed_through = COALESCE(
  (SELECT MIN(e.number) - 1
     FROM ledger_journalline l
     JOIN ledger_journalentry e ON e.id = l.entry_id
     JOIN ledger_account a ON a.id = l.account_id
     JOIN filing_vatobligation o ON o.id = filing_vatreturn.obligation_id
    WHERE e.date >= o.start AND e.date <= o."end"
      AND (a.vat_control IN ('input', 'output')
           OR (l.vat_treatment IN ({_quoted(COUNTED)})
               AND (a.type = 'income' OR (a.type IN ('expense', 'asset') AND a.code NOT IN ({_quoted(SYSTEM)})))))
      AND NOT EXISTS (SELECT 1 FROM filing_vatreturnline c
                       WHERE c.journal_line_id = l.id AND c.vat_return_id = filing_vatreturn.id)),
  (SELECT MAX(k.last_number) FROM ledger_journalcounter k WHERE k.tenant_id = filing_vatreturn.tenant_id),
  0)
WHERE status IN ({_quoted(FROZEN)}) AND claimed_through IS NULL
"""


def backfill(apps, schema_editor) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(UPDATE)
            return
        cursor.execute("SELECT id FROM tenancy_tenant")
        for (tenant_id,) in cursor.fetchall():
            cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)])
            cursor.execute(UPDATE)
        cursor.execute("SELECT set_config('app.tenant_id', '', true)")


class Migration(migrations.Migration):
    dependencies = [("filing", "0007_return_line_box_index"), ("ledger", "0016_tenant_statistics")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
