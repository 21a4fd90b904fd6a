"""Finished task runs per task, five-minute bucket and stripe, kept by statement triggers on documents_taskrun.

Why: the SLO dashboard's OCR SLIs read every task run of the last 30 days through
``strongroom_task_run_durations`` (0003), a pass per tenant (FORCE ROW LEVEL SECURITY): the page grew with
businesses and their recent work (issue #18, decision 0038). The triggers below add and subtract the runs
each statement finished, unfinished or deleted (transition tables: one upsert per statement, bucket and
stripe), in the writer's transaction, with the same pattern and reasons as the documents' state tally (0005):
SECURITY DEFINER functions, so the application role only reads the tally; TRUNCATE empties it. A run counts
when it is ``succeeded`` or ``failed`` with a start and a finish (as 0003 counted). Existing runs are counted
once here, tenant by tenant, with the table locked against writes. SQLite (the demo) has no triggers: the
dashboard reads the runs there.
"""

from django.db import migrations, models

# The runs of a transition table that count, with their bucket, stripe and latency flags.
COUNTED = r"""
  SELECT task_name, date_bin('5 minutes', finished_at, TIMESTAMPTZ 'epoch') AS bucket,
         get_byte(uuid_send(tenant_id), 15) % 16 AS stripe, {sign} AS delta,
         CASE WHEN finished_at - started_at <= interval '6 seconds' THEN {sign} ELSE 0 END AS fast_6,
         CASE WHEN finished_at - started_at <= interval '30 seconds' THEN {sign} ELSE 0 END AS fast_30
  FROM {table}
  WHERE finished_at IS NOT NULL AND started_at IS NOT NULL AND state IN ('succeeded', 'failed')
"""
UPSERT = r"""
  INSERT INTO observability_taskruntally AS t (task_name, bucket, stripe, total, within_6s, within_30s)
  SELECT task_name, bucket, stripe, sum(delta), sum(fast_6), sum(fast_30) FROM ({changes}) AS changes
  GROUP BY task_name, bucket, stripe
  HAVING sum(delta) <> 0 OR sum(fast_6) <> 0 OR sum(fast_30) <> 0
  ON CONFLICT (task_name, bucket, stripe) DO UPDATE SET total = t.total + EXCLUDED.total,
    within_6s = t.within_6s + EXCLUDED.within_6s, within_30s = t.within_30s + EXCLUDED.within_30s;
"""
NEW = COUNTED.format(sign="1", table="tally_new")
OLD = COUNTED.format(sign="-1", table="tally_old")


def _function(name: str, body: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
{body}
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION {name}() FROM PUBLIC;
"""


FORWARD = (
    _function(
        "strongroom_tally_task_runs",
        "  IF TG_OP = 'TRUNCATE' THEN\n    DELETE FROM observability_taskruntally;\n    RETURN NULL;\n  END IF;\n"
        + UPSERT.format(changes=f"{NEW} UNION ALL {OLD}"),
    )
    # A transition table is only named by the events that have it.
    + _function("strongroom_tally_task_runs_insert", UPSERT.format(changes=NEW))
    + _function("strongroom_tally_task_runs_delete", UPSERT.format(changes=OLD))
    + r"""
LOCK TABLE documents_taskrun IN SHARE MODE;
DO $$
DECLARE
  t uuid;
  previous text := current_setting('app.tenant_id', true);
BEGIN
  DELETE FROM observability_taskruntally;
  FOR t IN SELECT id FROM tenancy_tenant LOOP
    PERFORM set_config('app.tenant_id', t::text, true);
"""
    + UPSERT.format(changes=COUNTED.format(sign="1", table="documents_taskrun"))
    + r"""
  END LOOP;
  PERFORM set_config('app.tenant_id', coalesce(previous, ''), true);
END $$;

CREATE TRIGGER taskrun_tally_insert AFTER INSERT ON documents_taskrun
  REFERENCING NEW TABLE AS tally_new FOR EACH STATEMENT EXECUTE FUNCTION strongroom_tally_task_runs_insert();
CREATE TRIGGER taskrun_tally_update AFTER UPDATE ON documents_taskrun
  REFERENCING OLD TABLE AS tally_old NEW TABLE AS tally_new
  FOR EACH STATEMENT EXECUTE FUNCTION strongroom_tally_task_runs();
CREATE TRIGGER taskrun_tally_delete AFTER DELETE ON documents_taskrun
  REFERENCING OLD TABLE AS tally_old FOR EACH STATEMENT EXECUTE FUNCTION strongroom_tally_task_runs_delete();
CREATE TRIGGER taskrun_tally_truncate AFTER TRUNCATE ON documents_taskrun
  FOR EACH STATEMENT EXECUTE FUNCTION strongroom_tally_task_runs();
"""
)

BACKWARD = r"""
DROP TRIGGER IF EXISTS taskrun_tally_insert ON documents_taskrun;
DROP TRIGGER IF EXISTS taskrun_tally_update ON documents_taskrun;
DROP TRIGGER IF EXISTS taskrun_tally_delete ON documents_taskrun;
DROP TRIGGER IF EXISTS taskrun_tally_truncate ON documents_taskrun;
DROP FUNCTION IF EXISTS strongroom_tally_task_runs();
DROP FUNCTION IF EXISTS strongroom_tally_task_runs_insert();
DROP FUNCTION IF EXISTS strongroom_tally_task_runs_delete();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("observability", "0005_document_state_tally"),
        ("documents", "0011_taskrun_finished_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="TaskRunTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("task_name", models.CharField(max_length=100)),
                ("bucket", models.DateTimeField()),
                ("stripe", models.PositiveSmallIntegerField()),
                ("total", models.BigIntegerField(default=0)),
                ("within_6s", models.BigIntegerField(default=0)),
                ("within_30s", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("task_name", "bucket", "stripe"), name="observability_run_tally_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
