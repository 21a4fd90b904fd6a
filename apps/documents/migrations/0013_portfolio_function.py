"""PostgreSQL only: documents to review and failed ones for every business of one person, in one query.

Decision 0042 (apps/core/definer.py): a SECURITY DEFINER function visits only the businesses the given person
is an active member of, setting ``app.tenant_id`` for each (row-level security stays on), and returns counts or
states, no tenant text; only the application role may execute it. The SQL is frozen here, as migrations are.
"""

from django.db import migrations

from apps.core.definer import drop_member_function, install_member_function

NAME = "strongroom_portfolio_documents"
RETURNS = "tenant_id uuid, needs_review bigint, failed bigint"
BODY = (
    "SELECT t, count(*) FILTER (WHERE d.state = 'needs_review'), count(*) FILTER (WHERE d.state = 'failed"
    "') FROM documents_document d WHERE d.tenant_id = t AND d.state IN ('needs_review', 'failed')"
)


def forward(apps, schema_editor):
    install_member_function(schema_editor, NAME, RETURNS, BODY)


def backward(apps, schema_editor):
    drop_member_function(schema_editor, NAME)


class Migration(migrations.Migration):
    dependencies = [("documents", "0012_fill_period_tokens"), ("tenancy", "0002_rls_function")]
    operations = [migrations.RunPython(forward, backward)]
