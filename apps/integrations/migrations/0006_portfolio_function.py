"""PostgreSQL only: the HMRC connection's status for every business of one person, in one query (the portfolio).

Decision 0042 (apps/core/definer.py): a SECURITY DEFINER function visits only the businesses the given person
is an active member of, setting ``app.tenant_id`` for each (row-level security stays on), and returns counts or
states, no tenant text; only the application role may execute it. The SQL is frozen here, as migrations are.
"""

from django.db import migrations

from apps.core.definer import drop_member_function, install_member_function

NAME = "strongroom_portfolio_hmrc"
RETURNS = "tenant_id uuid, status text"
BODY = "SELECT t, (SELECT c.status::text FROM integrations_hmrcconnection c WHERE c.tenant_id = t LIMIT 1)"


def forward(apps, schema_editor):
    install_member_function(schema_editor, NAME, RETURNS, BODY)


def backward(apps, schema_editor):
    drop_member_function(schema_editor, NAME)


class Migration(migrations.Migration):
    dependencies = [("integrations", "0005_oauth_state_fraud_context_drop_plain"), ("tenancy", "0002_rls_function")]
    operations = [migrations.RunPython(forward, backward)]
