"""Documents per state as stored counters, kept by statement triggers on documents_document (PostgreSQL).

Why: ``strongroom_document_state_counts()`` (0002) counted every document of every tenant at each scrape.
The triggers below add and subtract the states of the rows each statement inserted, updated or deleted
(transition tables: one upsert per statement and state, not one per row), in the writer's transaction, so
the tally commits or rolls back with the change. The functions are SECURITY DEFINER (the table owner), so
the application role only reads the tally. TRUNCATE of the documents empties it. Existing documents are
counted once here, tenant by tenant (FORCE ROW LEVEL SECURITY), with the table locked against writes.
A tenant's stripe is the last byte of its id modulo 16 (``DocumentStateTally.STRIPES``).
SQLite (the demo) has no such triggers: the collector counts there.
"""

from django.db import migrations, models

FORWARD = r"""
CREATE OR REPLACE FUNCTION strongroom_tally_documents() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM observability_documentstatetally;
    RETURN NULL;
  END IF;
  INSERT INTO observability_documentstatetally AS t (stripe, state, n)
  SELECT stripe, state, sum(delta) FROM (
    SELECT get_byte(uuid_send(tenant_id), 15) % 16 AS stripe, state, 1 AS delta FROM tally_new
    UNION ALL
    SELECT get_byte(uuid_send(tenant_id), 15) % 16, state, -1 FROM tally_old
  ) AS changes
  GROUP BY stripe, state
  HAVING sum(delta) <> 0
  ON CONFLICT (stripe, state) DO UPDATE SET n = t.n + EXCLUDED.n;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION strongroom_tally_documents() FROM PUBLIC;

-- A transition table is only named by the events that have it; an empty one stands in for the other side.
CREATE OR REPLACE FUNCTION strongroom_tally_documents_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  INSERT INTO observability_documentstatetally AS t (stripe, state, n)
  SELECT get_byte(uuid_send(tenant_id), 15) % 16, state, count(*) FROM tally_new GROUP BY 1, 2
  ON CONFLICT (stripe, state) DO UPDATE SET n = t.n + EXCLUDED.n;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION strongroom_tally_documents_insert() FROM PUBLIC;

CREATE OR REPLACE FUNCTION strongroom_tally_documents_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  INSERT INTO observability_documentstatetally AS t (stripe, state, n)
  SELECT get_byte(uuid_send(tenant_id), 15) % 16, state, -count(*) FROM tally_old GROUP BY 1, 2
  ON CONFLICT (stripe, state) DO UPDATE SET n = t.n + EXCLUDED.n;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION strongroom_tally_documents_delete() FROM PUBLIC;

LOCK TABLE documents_document IN SHARE MODE;
DO $$
DECLARE
  t uuid;
  previous text := current_setting('app.tenant_id', true);
BEGIN
  DELETE FROM observability_documentstatetally;
  FOR t IN SELECT id FROM tenancy_tenant LOOP
    PERFORM set_config('app.tenant_id', t::text, true);
    INSERT INTO observability_documentstatetally AS tally (stripe, state, n)
    SELECT get_byte(uuid_send(t), 15) % 16, d.state, count(*) FROM documents_document d GROUP BY d.state
    ON CONFLICT (stripe, state) DO UPDATE SET n = tally.n + EXCLUDED.n;
  END LOOP;
  PERFORM set_config('app.tenant_id', coalesce(previous, ''), true);
END $$;

CREATE TRIGGER documents_tally_insert AFTER INSERT ON documents_document
  REFERENCING NEW TABLE AS tally_new FOR EACH STATEMENT EXECUTE FUNCTION strongroom_tally_documents_insert();
CREATE TRIGGER documents_tally_update AFTER UPDATE ON documents_document
  REFERENCING OLD TABLE AS tally_old NEW TABLE AS tally_new
  FOR EACH STATEMENT EXECUTE FUNCTION strongroom_tally_documents();
CREATE TRIGGER documents_tally_delete AFTER DELETE ON documents_document
  REFERENCING OLD TABLE AS tally_old FOR EACH STATEMENT EXECUTE FUNCTION strongroom_tally_documents_delete();
CREATE TRIGGER documents_tally_truncate AFTER TRUNCATE ON documents_document
  FOR EACH STATEMENT EXECUTE FUNCTION strongroom_tally_documents();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS documents_tally_insert ON documents_document;
DROP TRIGGER IF EXISTS documents_tally_update ON documents_document;
DROP TRIGGER IF EXISTS documents_tally_delete ON documents_document;
DROP TRIGGER IF EXISTS documents_tally_truncate ON documents_document;
DROP FUNCTION IF EXISTS strongroom_tally_documents();
DROP FUNCTION IF EXISTS strongroom_tally_documents_insert();
DROP FUNCTION IF EXISTS strongroom_tally_documents_delete();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("observability", "0004_degraded_source_breaker"),
        ("documents", "0006_document_drop_plain_columns"),
        ("tenancy", "0002_rls_function"),
    ]

    operations = [
        migrations.CreateModel(
            name="DocumentStateTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("stripe", models.PositiveSmallIntegerField()),
                ("state", models.CharField(max_length=16)),
                ("n", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("stripe", "state"), name="observability_tally_unique")
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
