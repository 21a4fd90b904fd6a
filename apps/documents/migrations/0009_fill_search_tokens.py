"""Search tokens for the documents already read (decision 0035), tenant by tenant, resumably.

Not atomic: each batch commits on its own inside its tenant's context (row-level
security applies, as in the app), skipping documents that already have tokens, so an
interrupted ``migrate`` resumes. Each extraction is opened once, here, to compute its
blind-index tokens; searching never opens one. Backwards there is nothing to undo
(0007's reversal drops the table).
"""

from django.db import migrations, transaction

BATCH = 500


def fill_search_tokens(apps, schema_editor):
    from apps.documents.search import document_tokens
    from apps.security_center.crypto import envelope
    from apps.tenancy.context import tenant_context

    Tenant = apps.get_model("tenancy", "Tenant")
    Document = apps.get_model("documents", "Document")
    Token = apps.get_model("documents", "DocumentSearchToken")
    using = schema_editor.connection.alias
    field = Document._meta.get_field("extraction")
    for tenant_id in Tenant._base_manager.using(using).values_list("pk", flat=True):
        last = None  # walk by primary key: a document with nothing to index is not read twice
        while True:
            with transaction.atomic(using=using), tenant_context(tenant_id, using):
                indexed = Token._base_manager.using(using).filter(tenant_id=tenant_id).values("document_id")
                rows = list(
                    Document._base_manager.using(using)
                    .filter(tenant_id=tenant_id, extraction__isnull=False)
                    .exclude(pk__in=indexed)
                    .filter(**({"pk__gt": last} if last else {}))
                    .order_by("pk")
                    .values_list("pk", "extraction")[:BATCH]
                )
                if not rows:
                    break
                tokens = []
                for pk, blob in rows:
                    last = pk
                    plain = envelope.decrypt(tenant_id=tenant_id, label=field.label, row_id=pk, blob=bytes(blob))
                    extraction = field.from_bytes(plain)
                    tokens += [Token(tenant_id=tenant_id, document_id=pk, token=t)
                               for t in sorted(document_tokens(tenant_id, extraction))]  # fmt: skip
                Token._base_manager.using(using).bulk_create(tokens)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("documents", "0008_tenant_statistics")]

    operations = [migrations.RunPython(fill_search_tokens, migrations.RunPython.noop, elidable=False)]
