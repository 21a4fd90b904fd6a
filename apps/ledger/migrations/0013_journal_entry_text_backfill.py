"""JournalEntry: seal every existing plain value under its tenant's data key, per tenant, in batches (resumable)."""

from django.db import migrations

from apps.security_center.crypto.backfill import backfill_migration


class Migration(migrations.Migration):
    atomic = False  # each batch commits on its own, so a rerun resumes where a crash stopped

    dependencies = [("security_center", "0001_tenant_key"), ("ledger", "0012_journal_entry_text_sealed_columns")]

    operations = [
        migrations.RunPython(
            backfill_migration("ledger", "JournalEntry", {"description": "description_sealed", "explanation": "explanation_sealed"}),
            migrations.RunPython.noop,
        )
    ]
