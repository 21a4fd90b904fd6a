"""Journal entries by (tenant, date, number): period-bounded VAT sums, drill-downs and ledger pages (decision 0034)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ledger", "0014_journal_entry_text_drop_plain")]

    operations = [
        migrations.AddIndex(
            model_name="journalentry",
            index=models.Index(fields=["tenant", "date", "number"], name="ledger_entry_tenant_date"),
        ),
    ]
