"""OnboardingProgress: seal every existing plain value under its tenant's data key, per tenant, in batches (resumable)."""

from django.db import migrations

from apps.security_center.crypto.backfill import backfill_migration


class Migration(migrations.Migration):
    atomic = False  # each batch commits on its own, so a rerun resumes where a crash stopped

    dependencies = [("security_center", "0001_tenant_key"), ("onboarding", "0002_personal_data_sealed_columns")]

    operations = [
        migrations.RunPython(
            backfill_migration("onboarding", "OnboardingProgress", {"data": "data_sealed", "kyc_reasons": "kyc_reasons_sealed", "review_note": "review_note_sealed", "review_decision_note": "review_decision_note_sealed"}),
            migrations.RunPython.noop,
        )
    ]
