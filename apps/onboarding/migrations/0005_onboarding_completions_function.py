"""PostgreSQL only: onboarding start and finish times across tenants in one query, for the SLO dashboard.

Why: the onboarding SLI entered each recently active tenant's context in turn (two queries per tenant) and
did so once per point of the dashboard's 30-day chart, so /staff/slo/ made ~165 queries per active tenant.
Same pattern and reasons as observability 0003 (FORCE ROW LEVEL SECURITY on the progress table): a
SECURITY DEFINER function visits the tenants touched since ``p_since`` and returns only timestamps, no
tenant data; only the application role may call it.
"""

from django.conf import settings
from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION strongroom_onboarding_completions(p_since timestamptz)
RETURNS TABLE(started_at timestamptz, completed_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  t uuid;
  previous text := current_setting('app.tenant_id', true);
BEGIN
  FOR t IN SELECT id FROM tenancy_tenant WHERE updated_at >= p_since LOOP
    PERFORM set_config('app.tenant_id', t::text, true);
    RETURN QUERY
      SELECT p.started_at, p.completed_at FROM onboarding_onboardingprogress p
      WHERE p.tenant_id = t AND p.completed_at >= p_since;
  END LOOP;
  PERFORM set_config('app.tenant_id', coalesce(previous, ''), true);
END $$;
REVOKE ALL ON FUNCTION strongroom_onboarding_completions(timestamptz) FROM PUBLIC;
"""

BACKWARD = "DROP FUNCTION IF EXISTS strongroom_onboarding_completions(timestamptz);"


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
            cursor.execute(f"GRANT EXECUTE ON FUNCTION strongroom_onboarding_completions(timestamptz) TO {quoted}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("onboarding", "0004_personal_data_drop_plain"), ("tenancy", "0002_rls_function")]
    operations = [migrations.RunPython(forward, backward)]
