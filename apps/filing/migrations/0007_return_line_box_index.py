"""The frozen drill-down reads one box of one return: a tenant-leading index for it (decision 0034)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("filing", "0006_return_claimed_through")]

    operations = [
        migrations.AddIndex(
            model_name="vatreturnline",
            index=models.Index(fields=["tenant", "vat_return", "box"], name="filing_return_line_box"),
        ),
    ]
