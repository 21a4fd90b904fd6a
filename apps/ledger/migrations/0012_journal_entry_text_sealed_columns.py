"""JournalEntry: sealed columns beside the plain ones (decision 0025); NULL = not sealed yet, filled by the next migration."""

from django.db import migrations

import apps.security_center.crypto.fields


class Migration(migrations.Migration):
    dependencies = [("ledger", "0011_rule_supplier_drop_plain")]

    operations = [
        migrations.AddField(
            model_name="journalentry",
            name="description_sealed",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.entry.description", blank=True, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="journalentry",
            name="explanation_sealed",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.entry.explanation", blank=True, null=True, editable=False),
        ),
    ]
