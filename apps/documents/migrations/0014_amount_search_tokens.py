"""Search tokens of each read document's total (issue #13), tenant by tenant, resumably.

Same pattern as 0009: each batch commits on its own inside its tenant's context (row-level
security applies), walking by primary key; a document that already has its total's token is
skipped, so an interrupted ``migrate`` resumes. Searching never opens an extraction.
"""

from django.db import migrations, transaction

BATCH = 500


def fill_amount_tokens(apps, schema_editor):
    from apps.documents.search import amount_token
    from apps.security_center.crypto import envelope
    from apps.tenancy.context import tenant_context

    Tenant = apps.get_model("tenancy", "Tenant")
    Document = apps.get_model("documents", "Document")
    Token = apps.get_model("documents", "DocumentSearchToken")
    using = schema_editor.connection.alias
    field = Document._meta.get_field("extraction")
    for tenant_id in Tenant._base_manager.using(using).values_list("pk", flat=True):
        last = None
        while True:
            with transaction.atomic(using=using), tenant_context(tenant_id, using):
                rows = list(
                    Document._base_manager.using(using)
                    .filter(tenant_id=tenant_id, extraction__isnull=False)
                    .filter(**({"pk__gt": last} if last else {}))
                    .order_by("pk")
                    .values_list("pk", "extraction")[:BATCH]
                )
                if not rows:
                    break
                wanted = {}
                for pk, blob in rows:
                    last = pk
                    plain = envelope.decrypt(tenant_id=tenant_id, label=field.label, row_id=pk, blob=bytes(blob))
                    gross = ((field.from_bytes(plain) or {}).get("gross") or {}).get("value")
                    if gross is not None and (token := amount_token(tenant_id, gross)) is not None:
                        wanted[pk] = token
                have = set(
                    Token._base_manager.using(using)
                    .filter(tenant_id=tenant_id, document_id__in=list(wanted), token__in=list(wanted.values()))
                    .values_list("document_id", flat=True)
                )
                Token._base_manager.using(using).bulk_create(
                    [Token(tenant_id=tenant_id, document_id=pk, token=t) for pk, t in wanted.items() if pk not in have]
                )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("documents", "0013_portfolio_function")]

    operations = [migrations.RunPython(fill_amount_tokens, migrations.RunPython.noop, elidable=False)]
