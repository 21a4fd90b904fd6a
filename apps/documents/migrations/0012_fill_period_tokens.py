"""Period tokens for the documents already read (decision 0037), tenant by tenant, resumably.

Like 0009: not atomic, each batch commits inside its tenant's context, walking by
primary key. A document that already holds its "dated" token is skipped, so an
interrupted ``migrate`` resumes (a document without a date has no period token and
is read again: harmless). Each extraction is opened once, here; the VAT period's
blockers then never open one outside the period's months.
"""

from django.db import migrations, models, transaction

BATCH = 500


def fill_period_tokens(apps, schema_editor):
    from apps.documents.search import PERIOD_LABEL, dated_token, period_terms
    from apps.security_center.crypto import envelope
    from apps.security_center.crypto.blind_index import blind_index
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
                done = Token._base_manager.using(using).filter(tenant_id=tenant_id, token=dated_token(tenant_id))
                rows = list(
                    Document._base_manager.using(using)
                    .filter(tenant_id=tenant_id, extraction__isnull=False)
                    .exclude(pk__in=done.values("document_id"))
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
                    terms = sorted(period_terms(field.from_bytes(plain)))
                    tokens += [Token(tenant_id=tenant_id, document_id=pk,
                                     token=blind_index(tenant_id, term, label=PERIOD_LABEL)) for term in terms]  # fmt: skip
                Token._base_manager.using(using).bulk_create(tokens)
    if schema_editor.connection.vendor == "postgresql":
        # Fresh statistics: with the table's old ones the planner loops over every token per document.
        schema_editor.execute("ANALYZE documents_documentsearchtoken")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("documents", "0011_taskrun_finished_index")]

    operations = [
        migrations.AddIndex(
            model_name="documentsearchtoken",
            index=models.Index(fields=["document", "token"], name="document_token_by_doc_idx"),
        ),
        migrations.RunPython(fill_period_tokens, migrations.RunPython.noop, elidable=False),
    ]
