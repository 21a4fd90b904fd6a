"""PostgreSQL only: task run durations across tenants, for the SLO dashboard's OCR SLIs.

Same pattern and reasons as 0002 (FORCE ROW LEVEL SECURITY on documents_taskrun): a
SECURITY DEFINER function visits each tenant in turn and returns only timestamps and
durations, no tenant data; only the application role may call it.
"""

from django.conf import settings
from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION strongroom_task_run_durations(p_task text, p_since timestamptz)
RETURNS TABLE(finished_at timestamptz, seconds double precision)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  t uuid;
  previous text := current_setting('app.tenant_id', true);
BEGIN
  FOR t IN SELECT id FROM tenancy_tenant LOOP
    PERFORM set_config('app.tenant_id', t::text, true);
    RETURN QUERY
      SELECT r.finished_at, extract(epoch FROM r.finished_at - r.started_at)::double precision
      FROM documents_taskrun r
      WHERE r.task_name = p_task AND r.finished_at >= p_since AND r.started_at IS NOT NULL
        AND r.state IN ('succeeded', 'failed');
  END LOOP;
  PERFORM set_config('app.tenant_id', coalesce(previous, ''), true);
END $$;
REVOKE ALL ON FUNCTION strongroom_task_run_durations(text, timestamptz) FROM PUBLIC;
"""

BACKWARD = "DROP FUNCTION IF EXISTS strongroom_task_run_durations(text, timestamptz);"


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
            cursor.execute(f"GRANT EXECUTE ON FUNCTION strongroom_task_run_durations(text, timestamptz) TO {quoted}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("observability", "0002_document_state_counts")]
    operations = [migrations.RunPython(forward, backward)]
