"""Encryption at rest, step 1 of 3 (decision 0024): the sealed columns beside the plain ones.

Nullable while the backfill (0005) runs: NULL means "not sealed yet".
``file_key_version`` stays NULL for files stored before encryption (plain).
"""

import apps.security_center.crypto.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0003_store_identity"),
        ("security_center", "0001_tenant_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="text_sealed",
            field=apps.security_center.crypto.fields.EncryptedTextField(blank=True, label="documents.text", null=True),
        ),
        migrations.AddField(
            model_name="document",
            name="extraction_sealed",
            field=apps.security_center.crypto.fields.EncryptedJSONField(
                blank=True, label="documents.extraction", null=True
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="set_aside_reason_sealed",
            field=apps.security_center.crypto.fields.EncryptedTextField(
                blank=True, label="documents.set_aside_reason", null=True
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="duplicate_index",
            field=models.BinaryField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="document",
            name="file_key_version",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(fields=["tenant", "duplicate_index"], name="document_duplicate_idx"),
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(fields=["tenant", "file_key_version"], name="document_file_key_idx"),
        ),
    ]
