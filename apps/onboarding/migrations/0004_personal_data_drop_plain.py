"""OnboardingProgress: drop the plain columns once every value is sealed; the sealed ones take their names.

On PostgreSQL the NOT NULL below also proves the backfill finished: a row left unsealed makes it fail.
"""

from django.db import migrations

import apps.security_center.crypto.fields


class Migration(migrations.Migration):
    dependencies = [("onboarding", "0003_personal_data_backfill")]

    operations = [
        migrations.RemoveField(model_name="onboardingprogress", name="data"),
        migrations.RenameField(model_name="onboardingprogress", old_name="data_sealed", new_name="data"),
        migrations.AlterField(
            model_name="onboardingprogress",
            name="data",
            field=apps.security_center.crypto.fields.EncryptedJSONField(label="onboarding.data", editable=False),
        ),
        migrations.RemoveField(model_name="onboardingprogress", name="kyc_reasons"),
        migrations.RenameField(model_name="onboardingprogress", old_name="kyc_reasons_sealed", new_name="kyc_reasons"),
        migrations.AlterField(
            model_name="onboardingprogress",
            name="kyc_reasons",
            field=apps.security_center.crypto.fields.EncryptedJSONField(label="onboarding.kyc_reasons", editable=False),
        ),
        migrations.RemoveField(model_name="onboardingprogress", name="review_note"),
        migrations.RenameField(model_name="onboardingprogress", old_name="review_note_sealed", new_name="review_note"),
        migrations.AlterField(
            model_name="onboardingprogress",
            name="review_note",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="onboarding.review_note", editable=False),
        ),
        migrations.RemoveField(model_name="onboardingprogress", name="review_decision_note"),
        migrations.RenameField(model_name="onboardingprogress", old_name="review_decision_note_sealed", new_name="review_decision_note"),
        migrations.AlterField(
            model_name="onboardingprogress",
            name="review_decision_note",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="onboarding.review_decision_note", editable=False),
        ),
        migrations.AlterField(
            model_name="onboardingprogress",
            name="data",
            field=apps.security_center.crypto.fields.EncryptedJSONField(label="onboarding.data", blank=True, default=dict, help_text="Answers per step, keyed by step. No secrets."),
        ),
        migrations.AlterField(
            model_name="onboardingprogress",
            name="kyc_reasons",
            field=apps.security_center.crypto.fields.EncryptedJSONField(label="onboarding.kyc_reasons", blank=True, default=list),
        ),
        migrations.AlterField(
            model_name="onboardingprogress",
            name="review_note",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="onboarding.review_note", blank=True, help_text="What the owner told staff."),
        ),
        migrations.AlterField(
            model_name="onboardingprogress",
            name="review_decision_note",
            field=apps.security_center.crypto.fields.EncryptedTextField(label="onboarding.review_decision_note", blank=True),
        ),
    ]
