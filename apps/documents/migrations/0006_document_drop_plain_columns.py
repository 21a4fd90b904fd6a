"""Encryption at rest, step 3 of 3 (decision 0024): drop the plain columns; the sealed ones take their names.

``text`` and ``set_aside_reason`` become NOT NULL again (the backfill sealed
every value, "" included). Django cannot compute that change's default for a
ciphertext-only field, so the database half is plain SQL (PostgreSQL; on
SQLite, the demo, the columns stay nullable and the model never writes NULL).
"""

import apps.security_center.crypto.fields
from django.db import migrations


def _not_null(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in ("text", "set_aside_reason"):
        schema_editor.execute(f"ALTER TABLE documents_document ALTER COLUMN {column} SET NOT NULL")


def _nullable(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in ("text", "set_aside_reason"):
        schema_editor.execute(f"ALTER TABLE documents_document ALTER COLUMN {column} DROP NOT NULL")


class Migration(migrations.Migration):
    dependencies = [("documents", "0005_document_seal_existing_values")]

    operations = [
        migrations.RemoveField(model_name="document", name="text"),
        migrations.RemoveField(model_name="document", name="extraction"),
        migrations.RemoveField(model_name="document", name="set_aside_reason"),
        migrations.RenameField(model_name="document", old_name="text_sealed", new_name="text"),
        migrations.RenameField(model_name="document", old_name="extraction_sealed", new_name="extraction"),
        migrations.RenameField(model_name="document", old_name="set_aside_reason_sealed", new_name="set_aside_reason"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="document",
                    name="text",
                    field=apps.security_center.crypto.fields.EncryptedTextField(blank=True, label="documents.text"),
                ),
                migrations.AlterField(
                    model_name="document",
                    name="set_aside_reason",
                    field=apps.security_center.crypto.fields.EncryptedTextField(
                        blank=True, label="documents.set_aside_reason"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(_not_null, _nullable)],
        ),
    ]
