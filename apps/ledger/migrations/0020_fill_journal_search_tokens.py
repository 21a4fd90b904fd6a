"""Narration search tokens for the entries written before journal search (issue #13), resumably.

Same pattern as documents 0009: tenant by tenant, each batch commits on its own inside the tenant's
context (row-level security applies), walking by primary key and skipping entries that already have
tokens, so an interrupted ``migrate`` resumes. Each description is opened once, here; searching never
opens one. Backwards there is nothing to undo (0018's reversal drops the table).
"""

from django.db import migrations, transaction

BATCH = 500


def fill_journal_tokens(apps, schema_editor):
    from apps.ledger.search import entry_tokens
    from apps.security_center.crypto import envelope
    from apps.tenancy.context import tenant_context

    Tenant = apps.get_model("tenancy", "Tenant")
    Entry = apps.get_model("ledger", "JournalEntry")
    Token = apps.get_model("ledger", "JournalSearchToken")
    using = schema_editor.connection.alias
    field = Entry._meta.get_field("description")
    for tenant_id in Tenant._base_manager.using(using).values_list("pk", flat=True):
        last = None
        while True:
            with transaction.atomic(using=using), tenant_context(tenant_id, using):
                indexed = Token._base_manager.using(using).filter(tenant_id=tenant_id).values("entry_id")
                rows = list(
                    Entry._base_manager.using(using)
                    .filter(tenant_id=tenant_id)
                    .exclude(pk__in=indexed)
                    .filter(**({"pk__gt": last} if last else {}))
                    .order_by("pk")
                    .values_list("pk", "description")[:BATCH]
                )
                if not rows:
                    break
                tokens = []
                for pk, blob in rows:
                    last = pk
                    if not blob:
                        continue
                    plain = envelope.decrypt(tenant_id=tenant_id, label=field.label, row_id=pk, blob=bytes(blob))
                    words = entry_tokens(tenant_id, field.from_bytes(plain))
                    tokens += [Token(tenant_id=tenant_id, entry_id=pk, token=t) for t in sorted(words)]
                Token._base_manager.using(using).bulk_create(tokens)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("ledger", "0019_journal_search_tokens")]

    operations = [migrations.RunPython(fill_journal_tokens, migrations.RunPython.noop, elidable=False)]
