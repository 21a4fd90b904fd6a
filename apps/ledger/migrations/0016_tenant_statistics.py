"""Extended statistics on (tenant_id, filter column) pairs of the ledger's big tables (decision 0035)."""

from django.db import migrations

from apps.core.statistics import statistics_operation

forward, backward = statistics_operation(
    [
        ("ledger_entry_tenant_kind_stx", "ledger_journalentry", ["tenant_id", "kind"]),
        ("ledger_entry_tenant_date_stx", "ledger_journalentry", ["tenant_id", "date"]),
        ("ledger_line_tenant_account_stx", "ledger_journalline", ["tenant_id", "account_id"]),
        ("ledger_bank_tenant_status_stx", "ledger_banktransaction", ["tenant_id", "status"]),
        ("ledger_bank_tenant_feed_stx", "ledger_banktransaction", ["tenant_id", "feed_account_id"]),
    ]
)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0015_list_indexes")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
