"""PostgreSQL only: bank lines not in the books yet for every business of one person, in one query (the portfolio).

Decision 0042 (apps/core/definer.py): a SECURITY DEFINER function visits only the businesses the given person
is an active member of, setting ``app.tenant_id`` for each (row-level security stays on), and returns counts or
states, no tenant text; only the application role may execute it. The SQL is frozen here, as migrations are.
"""

from django.db import migrations

from apps.core.definer import drop_member_function, install_member_function

NAME = "strongroom_portfolio_bank"
RETURNS = "tenant_id uuid, unposted bigint"
BODY = (
    "SELECT t, (SELECT count(*) FROM ledger_banktransaction b WHERE b.tenant_id = t AND b.status = 'unpos"
    "ted') + (SELECT count(*) FROM ledger_banktransaction b WHERE b.tenant_id = t AND b.status IN ('poste"
    "d', 'matched') AND EXISTS (SELECT 1 FROM ledger_journalentry e WHERE e.tenant_id = t AND e.reverses_"
    "id = b.journal_entry_id))"
)


def forward(apps, schema_editor):
    install_member_function(schema_editor, NAME, RETURNS, BODY)


def backward(apps, schema_editor):
    drop_member_function(schema_editor, NAME)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0017_bank_rules_and_settlements"), ("tenancy", "0002_rls_function")]
    operations = [migrations.RunPython(forward, backward)]
