"""Per-chain verification checkpoints (decision 0037), and on PostgreSQL ``audit_chain_heads()``.

The application role cannot read ``audit_chain_head`` (the trigger's table), nor
any chain's events outside that chain's context, so the staff console could not
say how many events each chain holds without entering every chain. The function
returns each chain's last sequence number (a count, never an event or a hash).
"""

from django.db import migrations, models

import apps.audit.models

FORWARD = r"""
CREATE OR REPLACE FUNCTION audit_chain_heads() RETURNS TABLE(chain uuid, seq bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT chain, seq FROM audit_chain_head
$$;
"""
BACKWARD = "DROP FUNCTION IF EXISTS audit_chain_heads();"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_chain")]
    operations = [
        migrations.CreateModel(
            name="ChainCheckpoint",
            fields=[
                ("chain", models.UUIDField(primary_key=True, serialize=False)),
                ("seq", models.BigIntegerField(default=0)),
                ("hash", models.BinaryField(default=apps.audit.models.ZERO_HASH)),
                ("verified_at", models.DateTimeField()),
                ("verified_by", models.CharField(max_length=100)),
                ("full", models.BooleanField(default=False)),
                ("ok", models.BooleanField(default=True)),
                ("broken_seq", models.BigIntegerField(blank=True, null=True)),
                ("problem", models.CharField(blank=True, max_length=500)),
                ("checked", models.BigIntegerField(default=0)),
                ("full_verified_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={"ordering": ["chain"]},
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["chain", "action", "-seq"], name="audit_chain_action_seq_idx"),
        ),
        migrations.RunPython(forward, backward),
    ]
