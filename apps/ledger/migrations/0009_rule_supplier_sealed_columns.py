"""Rule: sealed columns beside the plain ones (decision 0025); NULL = not sealed yet, filled by the next migration."""

from django.db import migrations, models

import apps.security_center.crypto.fields


class Migration(migrations.Migration):
    dependencies = [("ledger", "0008_bank_lines_personal_data_drop_plain")]

    operations = [
        migrations.AddField(model_name="rule", name="supplier_name_index", field=models.BinaryField(editable=False, null=True)),
        migrations.AddField(model_name="rule", name="supplier_vat_index", field=models.BinaryField(editable=False, null=True)),
        migrations.AddField(
            model_name="rule",
            name="name_sealed",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.rule.name", blank=True, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="rule",
            name="supplier_exact_sealed",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.rule.supplier_exact", blank=True, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="rule",
            name="supplier_normalised_sealed",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.rule.supplier_normalised", blank=True, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="rule",
            name="supplier_vat_number_sealed",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.rule.supplier_vat_number", blank=True, null=True, editable=False),
        ),
    ]
