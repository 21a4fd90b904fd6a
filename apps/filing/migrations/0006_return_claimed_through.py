"""VatReturn.claimed_through: the journal number up to which a frozen return's period is claimed (decision 0034).

Null for returns frozen before: their periods are scanned whole for late postings (exact, only slower).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("filing", "0005_vat_return_fraud_context_drop_plain")]

    operations = [
        migrations.AddField(
            model_name="vatreturn",
            name="claimed_through",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
    ]
