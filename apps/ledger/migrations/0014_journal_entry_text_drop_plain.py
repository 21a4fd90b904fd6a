"""JournalEntry: drop the plain columns once every value is sealed; the sealed ones take their names.

On PostgreSQL the NOT NULL below also proves the backfill finished: a row left unsealed makes it fail.
"""

from django.db import migrations

import apps.security_center.crypto.fields


class Migration(migrations.Migration):
    dependencies = [("ledger", "0013_journal_entry_text_backfill")]

    operations = [
        migrations.RemoveField(model_name="journalentry", name="description"),
        migrations.RenameField(model_name="journalentry", old_name="description_sealed", new_name="description"),
        migrations.AlterField(
            model_name="journalentry",
            name="description",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.entry.description", editable=False),
        ),
        migrations.RemoveField(model_name="journalentry", name="explanation"),
        migrations.RenameField(model_name="journalentry", old_name="explanation_sealed", new_name="explanation"),
        migrations.AlterField(
            model_name="journalentry",
            name="explanation",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.entry.explanation", editable=False),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="description",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.entry.description", blank=True),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="explanation",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.entry.explanation", blank=True),
        ),
    ]
