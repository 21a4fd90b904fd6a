"""PostgreSQL only: document counts per state across tenants, for the documents_in_state gauge.

``documents_document`` has FORCE ROW LEVEL SECURITY and neither the owner nor the
application role bypasses it, so a plain GROUP BY sees nothing outside a tenant. This
SECURITY DEFINER function (owned by the table owner) visits each tenant in turn,
setting ``app.tenant_id`` transaction-locally the way ``ledger_entry_check`` does, and
restores the previous value. It returns counts only (no row data), and only the
application role may call it.
"""

from django.conf import settings
from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION strongroom_document_state_counts() RETURNS TABLE(state text, n bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  t uuid;
  previous text := current_setting('app.tenant_id', true);
BEGIN
  FOR t IN SELECT id FROM tenancy_tenant LOOP
    PERFORM set_config('app.tenant_id', t::text, true);
    RETURN QUERY SELECT d.state::text, count(*) FROM documents_document d GROUP BY d.state;
  END LOOP;
  PERFORM set_config('app.tenant_id', coalesce(previous, ''), true);
END $$;
REVOKE ALL ON FUNCTION strongroom_document_state_counts() FROM PUBLIC;
"""

BACKWARD = "DROP FUNCTION IF EXISTS strongroom_document_state_counts();"


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    schema_editor.execute(FORWARD, params=None)
    role = settings.DATABASE_APP_ROLE
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() and role != connection.settings_dict.get("USER"):
            quoted = connection.ops.quote_name(role)
            cursor.execute(f"GRANT EXECUTE ON FUNCTION strongroom_document_state_counts() TO {quoted}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("observability", "0001_initial"),
        ("tenancy", "0002_rls_function"),
        ("documents", "0001_initial"),
    ]
    operations = [migrations.RunPython(forward, backward)]
