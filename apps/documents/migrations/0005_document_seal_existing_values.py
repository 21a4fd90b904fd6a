"""Encryption at rest, step 2 of 3 (decision 0024): seal every existing value, tenant by tenant, resumably.

Not atomic: each batch of rows commits on its own inside its tenant's context
(row-level security applies), so an interrupted ``migrate`` resumes where it
stopped when run again. Also fills the duplicate-invoice blind index from the
plain extraction. Backwards, the sealed values are opened into the plain
columns again (so 0006 and this one can be reversed without losing data).
"""

from django.db import migrations

from apps.security_center.crypto.backfill import backfill_migration

FIELDS = {"text": "text_sealed", "extraction": "extraction_sealed", "set_aside_reason": "set_aside_reason_sealed"}


def _tenant_ids(apps, using):
    return list(apps.get_model("tenancy", "Tenant")._base_manager.using(using).values_list("pk", flat=True))


def fill_duplicate_index(apps, schema_editor):
    from apps.documents.sealing import duplicate_index_of
    from apps.tenancy.context import tenant_context

    Document = apps.get_model("documents", "Document")
    using = schema_editor.connection.alias
    for tenant_id in _tenant_ids(apps, using):
        with tenant_context(tenant_id, using):
            rows = Document._base_manager.using(using).filter(
                tenant_id=tenant_id, duplicate_index__isnull=True, extraction__isnull=False
            )
            for pk, extraction in rows.values_list("pk", "extraction"):
                index = duplicate_index_of(tenant_id, extraction)
                if index is not None:
                    Document._base_manager.using(using).filter(pk=pk).update(duplicate_index=index)


def unseal(apps, schema_editor):
    from apps.security_center.crypto import envelope
    from apps.tenancy.context import tenant_context

    Document = apps.get_model("documents", "Document")
    using = schema_editor.connection.alias
    for tenant_id in _tenant_ids(apps, using):
        with tenant_context(tenant_id, using):
            rows = Document._base_manager.using(using).filter(tenant_id=tenant_id)
            for plain, sealed in FIELDS.items():
                field = Document._meta.get_field(sealed)
                for pk, blob in rows.filter(**{f"{sealed}__isnull": False}).values_list("pk", sealed):
                    value = field.from_bytes(
                        envelope.decrypt(tenant_id=tenant_id, label=field.label, row_id=pk, blob=bytes(blob))
                    )
                    rows.filter(pk=pk).update(**{plain: value, sealed: None})


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("documents", "0004_document_sealed_columns")]

    operations = [
        migrations.RunPython(backfill_migration("documents", "Document", FIELDS), unseal),
        migrations.RunPython(fill_duplicate_index, migrations.RunPython.noop),
    ]
