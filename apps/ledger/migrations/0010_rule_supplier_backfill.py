"""Rule: seal every existing plain value under its tenant's data key, per tenant, in batches (resumable)."""

from django.db import migrations

from apps.security_center.crypto.backfill import backfill_migration
from apps.security_center.crypto.blind_index import blind_index
from apps.tenancy.context import tenant_context


# The labels of apps.ledger.models.VAT_INDEX / NAME_INDEX, fixed here as the migration saw them.
VAT_INDEX = "ledger.rule.supplier_vat_number"
NAME_INDEX = "ledger.rule.supplier_normalised"


def rule_index(tenant_id, value, label):
    try:
        return blind_index(tenant_id, value or "", label=label)
    except ValueError:  # empty once normalised: nothing to find it by
        return None


def index_suppliers(apps, schema_editor) -> None:
    """Blind indexes from the plain values, tenant by tenant in its context (idempotent: a rerun rewrites them)."""
    rule_model = apps.get_model("ledger", "Rule")
    tenant_model = apps.get_model("tenancy", "Tenant")
    using = schema_editor.connection.alias
    for tenant_id in tenant_model._base_manager.using(using).order_by("pk").values_list("pk", flat=True):
        with tenant_context(tenant_id, using):
            rows = rule_model._base_manager.using(using).filter(tenant_id=tenant_id)
            for pk, vat, name in rows.values_list("pk", "supplier_vat_number", "supplier_normalised"):
                rows.filter(pk=pk).update(
                    supplier_vat_index=rule_index(tenant_id, vat, VAT_INDEX),
                    supplier_name_index=rule_index(tenant_id, name, NAME_INDEX),
                )


class Migration(migrations.Migration):
    atomic = False  # each batch commits on its own, so a rerun resumes where a crash stopped

    dependencies = [
        ("security_center", "0001_tenant_key"),
        ("tenancy", "0002_rls_function"),
        ("ledger", "0009_rule_supplier_sealed_columns"),
    ]

    operations = [
        migrations.RunPython(
            backfill_migration("ledger", "Rule", {"name": "name_sealed", "supplier_exact": "supplier_exact_sealed", "supplier_normalised": "supplier_normalised_sealed", "supplier_vat_number": "supplier_vat_number_sealed"}),
            migrations.RunPython.noop,
        ),
        migrations.RunPython(index_suppliers, migrations.RunPython.noop),
    ]
