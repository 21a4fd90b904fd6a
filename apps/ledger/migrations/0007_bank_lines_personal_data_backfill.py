"""BankTransaction: seal every existing plain value under its tenant's data key, per tenant, in batches (resumable)."""

from django.db import migrations

from apps.security_center.crypto.backfill import backfill_migration


class Migration(migrations.Migration):
    atomic = False  # each batch commits on its own, so a rerun resumes where a crash stopped

    dependencies = [("security_center", "0001_tenant_key"), ("ledger", "0006_bank_lines_personal_data_sealed_columns")]

    operations = [
        migrations.RunPython(
            backfill_migration("ledger", "BankTransaction", {"description": "description_sealed", "counterparty": "counterparty_sealed", "ignored_reason": "ignored_reason_sealed"}),
            migrations.RunPython.noop,
        )
    ]
