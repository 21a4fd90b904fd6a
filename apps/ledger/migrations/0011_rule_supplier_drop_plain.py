"""Rule: drop the plain columns once every value is sealed; the sealed ones take their names.

On PostgreSQL the NOT NULL below also proves the backfill finished: a row left unsealed makes it fail.
"""

from django.db import migrations, models

import apps.security_center.crypto.fields


class Migration(migrations.Migration):
    dependencies = [("ledger", "0010_rule_supplier_backfill")]

    operations = [
        migrations.RemoveConstraint(model_name="rule", name="ledger_rule_learned_vat_unique"),
        migrations.RemoveConstraint(model_name="rule", name="ledger_rule_learned_name_unique"),
        migrations.RemoveField(model_name="rule", name="name"),
        migrations.RenameField(model_name="rule", old_name="name_sealed", new_name="name"),
        migrations.AlterField(
            model_name="rule",
            name="name",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.rule.name", editable=False),
        ),
        migrations.RemoveField(model_name="rule", name="supplier_exact"),
        migrations.RenameField(model_name="rule", old_name="supplier_exact_sealed", new_name="supplier_exact"),
        migrations.AlterField(
            model_name="rule",
            name="supplier_exact",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.rule.supplier_exact", editable=False),
        ),
        migrations.RemoveField(model_name="rule", name="supplier_normalised"),
        migrations.RenameField(model_name="rule", old_name="supplier_normalised_sealed", new_name="supplier_normalised"),
        migrations.AlterField(
            model_name="rule",
            name="supplier_normalised",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.rule.supplier_normalised", editable=False),
        ),
        migrations.RemoveField(model_name="rule", name="supplier_vat_number"),
        migrations.RenameField(model_name="rule", old_name="supplier_vat_number_sealed", new_name="supplier_vat_number"),
        migrations.AlterField(
            model_name="rule",
            name="supplier_vat_number",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.rule.supplier_vat_number", editable=False),
        ),
        migrations.AlterField(
            model_name="rule",
            name="name",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="ledger.rule.name"),
        ),
        migrations.AlterField(
            model_name="rule",
            name="supplier_exact",
            field=apps.security_center.crypto.fields.EncryptedTextField(blank=True, label="ledger.rule.supplier_exact", verbose_name="supplier name (exact)"),
        ),
        migrations.AlterField(
            model_name="rule",
            name="supplier_normalised",
            field=apps.security_center.crypto.fields.EncryptedTextField(blank=True, label="ledger.rule.supplier_normalised", verbose_name="supplier name (normalised)"),
        ),
        migrations.AlterField(
            model_name="rule",
            name="supplier_vat_number",
            field=apps.security_center.crypto.fields.EncryptedTextField(blank=True, label="ledger.rule.supplier_vat_number", verbose_name="supplier VAT number"),
        ),
        migrations.AddConstraint(
            model_name="rule",
            constraint=models.UniqueConstraint(
                condition=models.Q(("created_from_correction", True), ("supplier_vat_index__isnull", False)),
                fields=("tenant", "supplier_vat_index"),
                name="ledger_rule_learned_vat_index_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="rule",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("created_from_correction", True),
                    ("supplier_vat_index__isnull", True),
                    ("supplier_name_index__isnull", False),
                ),
                fields=("tenant", "supplier_name_index"),
                name="ledger_rule_learned_name_index_unique",
            ),
        ),
    ]
