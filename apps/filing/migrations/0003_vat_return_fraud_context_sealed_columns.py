"""VatReturn: sealed columns beside the plain ones (decision 0025); NULL = not sealed yet, filled by the next migration."""

from django.db import migrations

import apps.security_center.crypto.fields


class Migration(migrations.Migration):
    dependencies = [("filing", "0002_submission_read_back_and_receipt")]

    operations = [
        migrations.AddField(
            model_name="vatreturn",
            name="fraud_context_sealed",
            field=apps.security_center.crypto.fields.EncryptedJSONField(label="filing.return.fraud_context", blank=True, null=True, editable=False),
        ),
    ]
