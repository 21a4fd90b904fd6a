"""BankTransaction: sealed columns beside the plain ones (decision 0025); NULL = not sealed yet, filled by the next migration."""

from django.db import migrations

import apps.security_center.crypto.fields


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_journal_attachment")]

    operations = [
        migrations.AddField(
            model_name="banktransaction",
            name="description_sealed",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.bank.description", blank=True, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="banktransaction",
            name="counterparty_sealed",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.bank.counterparty", blank=True, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="banktransaction",
            name="ignored_reason_sealed",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.bank.ignored_reason", blank=True, null=True, editable=False),
        ),
    ]
