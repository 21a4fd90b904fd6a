"""The per-account monthly summary of journal lines (decision 0043); 0022 adds the triggers that keep it."""

import uuid
from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0020_fill_journal_search_tokens"),
        ("tenancy", "0004_drop_data_region"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccountMonth",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("month", models.DateField(help_text="The month's first day.")),
                ("debit", models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=16)),
                ("credit", models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=16)),
                ("line_count", models.BigIntegerField(default=0)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="ledger.account"
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "ordering": ["month"],
                "constraints": [
                    models.UniqueConstraint(fields=("tenant", "account", "month"), name="ledger_account_month_unique")
                ],
            },
        ),
    ]
