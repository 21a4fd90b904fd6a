from django.db import migrations, models
import uuid


class Migration(migrations.Migration):
    initial = True
    dependencies = [("tenancy", "0002_rls_function")]

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("chain", models.UUIDField(db_index=True)),
                ("seq", models.BigIntegerField()),
                ("prev_hash", models.BinaryField()),
                ("hash", models.BinaryField()),
                ("body", models.TextField()),
                ("occurred_at", models.DateTimeField()),
                ("action", models.CharField(max_length=100)),
                ("actor_id", models.CharField(blank=True, max_length=64)),
                ("actor_label", models.CharField(blank=True, max_length=254)),
                ("on_behalf_of", models.CharField(blank=True, max_length=254)),
                ("tenant_id", models.UUIDField(blank=True, null=True)),
                ("target_type", models.CharField(blank=True, max_length=100)),
                ("target_id", models.CharField(blank=True, max_length=64)),
                ("request_id", models.CharField(blank=True, max_length=64)),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
            ],
            options={"ordering": ["chain", "seq"]},
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("chain", "seq"), name="audit_chain_seq_unique"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["action", "occurred_at"], name="audit_action_time_idx"),
        ),
    ]
