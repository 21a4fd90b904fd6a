"""OnboardingProgress: sealed columns beside the plain ones (decision 0025); NULL = not sealed yet, filled by the next migration."""

from django.db import migrations

import apps.security_center.crypto.fields


class Migration(migrations.Migration):
    dependencies = [("onboarding", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="onboardingprogress",
            name="data_sealed",
            field=apps.security_center.crypto.fields.EncryptedJSONField(label="onboarding.data", blank=True, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="onboardingprogress",
            name="kyc_reasons_sealed",
            field=apps.security_center.crypto.fields.EncryptedJSONField(label="onboarding.kyc_reasons", blank=True, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="onboardingprogress",
            name="review_note_sealed",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="onboarding.review_note", blank=True, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="onboardingprogress",
            name="review_decision_note_sealed",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="onboarding.review_decision_note", blank=True, null=True, editable=False),
        ),
    ]
