"""OAuthState: sealed columns beside the plain ones (decision 0025); NULL = not sealed yet, filled by the next migration."""

from django.db import migrations

import apps.security_center.crypto.fields


class Migration(migrations.Migration):
    dependencies = [("integrations", "0002_connection_vrn_check")]

    operations = [
        migrations.AddField(
            model_name="oauthstate",
            name="fraud_context_sealed",
            field=apps.security_center.crypto.fields.EncryptedJSONField(label="hmrc.oauth_state.fraud_context", blank=True, null=True, editable=False),
        ),
    ]
