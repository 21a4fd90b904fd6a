"""BankTransaction: drop the plain columns once every value is sealed; the sealed ones take their names.

On PostgreSQL the NOT NULL below also proves the backfill finished: a row left unsealed makes it fail.
"""

import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models

import apps.security_center.crypto.fields


class Migration(migrations.Migration):
    dependencies = [("ledger", "0007_bank_lines_personal_data_backfill")]

    operations = [
        # "Ignored needs a reason" compared the plain column with "": it moves to the sealed one's length below.
        migrations.RemoveConstraint(model_name="banktransaction", name="ledger_bank_ignored_has_reason"),
        migrations.RemoveField(model_name="banktransaction", name="description"),
        migrations.RenameField(model_name="banktransaction", old_name="description_sealed", new_name="description"),
        migrations.AlterField(
            model_name="banktransaction",
            name="description",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.bank.description", editable=False),
        ),
        migrations.RemoveField(model_name="banktransaction", name="counterparty"),
        migrations.RenameField(model_name="banktransaction", old_name="counterparty_sealed", new_name="counterparty"),
        migrations.AlterField(
            model_name="banktransaction",
            name="counterparty",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.bank.counterparty", editable=False),
        ),
        migrations.RemoveField(model_name="banktransaction", name="ignored_reason"),
        migrations.RenameField(model_name="banktransaction", old_name="ignored_reason_sealed", new_name="ignored_reason"),
        migrations.AlterField(
            model_name="banktransaction",
            name="ignored_reason",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.bank.ignored_reason", editable=False),
        ),
        migrations.AlterField(
            model_name="banktransaction",
            name="description",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.bank.description", blank=True),
        ),
        migrations.AlterField(
            model_name="banktransaction",
            name="counterparty",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.bank.counterparty", blank=True),
        ),
        migrations.AlterField(
            model_name="banktransaction",
            name="ignored_reason",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.bank.ignored_reason", blank=True),
        ),
        migrations.AddConstraint(
            model_name="banktransaction",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "ignored"), _negated=True),
                    django.db.models.lookups.GreaterThan(django.db.models.functions.text.Length("ignored_reason"), 33),
                    _connector="OR",
                ),
                name="ledger_bank_ignored_has_sealed_reason",
            ),
        ),
    ]
