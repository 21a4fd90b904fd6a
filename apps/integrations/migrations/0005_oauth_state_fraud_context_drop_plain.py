"""OAuthState: drop the plain columns once every value is sealed; the sealed ones take their names.

On PostgreSQL the NOT NULL below also proves the backfill finished: a row left unsealed makes it fail.
"""

from django.db import migrations

import apps.security_center.crypto.fields


class Migration(migrations.Migration):
    dependencies = [("integrations", "0004_oauth_state_fraud_context_backfill")]

    operations = [
        migrations.RemoveField(model_name="oauthstate", name="fraud_context"),
        migrations.RenameField(model_name="oauthstate", old_name="fraud_context_sealed", new_name="fraud_context"),
        migrations.AlterField(
            model_name="oauthstate",
            name="fraud_context",
            field=apps.security_center.crypto.fields.EncryptedJSONField(label="hmrc.oauth_state.fraud_context", editable=False),
        ),
        migrations.AlterField(
            model_name="oauthstate",
            name="fraud_context",
            field=apps.security_center.crypto.fields.EncryptedJSONField(label="hmrc.oauth_state.fraud_context", blank=True, default=dict),
        ),
    ]
