"""Extended statistics on (tenant_id, filter column) pairs of the documents tables (decision 0035)."""

from django.db import migrations

from apps.core.statistics import statistics_operation

forward, backward = statistics_operation(
    [
        ("documents_document_tenant_state_stx", "documents_document", ["tenant_id", "state"]),
        ("documents_document_tenant_source_stx", "documents_document", ["tenant_id", "source"]),
        ("documents_taskrun_tenant_state_stx", "documents_taskrun", ["tenant_id", "state"]),
        ("documents_searchtoken_tenant_token_stx", "documents_documentsearchtoken", ["tenant_id", "token"]),
    ]
)


class Migration(migrations.Migration):
    dependencies = [("documents", "0007_list_indexes_and_search_tokens")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
