"""PostgreSQL only: the function every row-level security policy calls.

``NULLIF`` because after a transaction ends the setting still exists and reads
as an empty string, which would not cast to uuid (docs/contracts/security.md, Row-level security).
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION app_current_tenant() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS app_current_tenant()")


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
