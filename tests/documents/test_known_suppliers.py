"""The business's record of its suppliers (KnownSupplier): written at posting and review, read by extraction.

The lookup is per tenant by construction (blind index under the tenant's index key, the tenant's context,
row-level security on PostgreSQL): another business's supplier is never used.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from apps.documents.extraction.parse import extract_fields
from apps.documents.extraction.text import PageLines
from apps.documents.models import KnownSupplier, known_supplier_index
from apps.documents.selectors import KnownSuppliers, known_supplier_name
from apps.documents.services.suppliers import remember_supplier
from apps.ledger.extraction import DocumentKind, Extracted, Extraction
from apps.tenancy.context import db_tenant
from tests.factories import KnownSupplierFactory, RuleFactory

pytestmark = pytest.mark.django_db

VAT = "980780684"  # a valid (fictitious) UK VAT number
OTHER_VAT = "459670743"
OURS = "123456782"


def purchase(name: str, vat: str = VAT, kind: str = DocumentKind.PURCHASE_INVOICE) -> Extraction:
    result = Extraction()
    result.kind = Extracted(kind, 0.9)
    result.supplier_name = Extracted(name, 0.9)
    result.supplier_vat_number = Extracted(vat, 0.97)
    result.gross = Extracted(Decimal("12.00"), 0.9)
    return result


def test_a_posted_purchase_records_its_supplier_and_an_automatic_posting_never_renames_it(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        remember_supplier(tenant_a.pk, purchase("Quillfeather Stationers Ltd"), own_vat_numbers=[], by_person=False)
        remember_supplier(tenant_a.pk, purchase("Qui11feather Stat"), own_vat_numbers=[], by_person=False)
        (known,) = KnownSupplier.objects.all()
        recorded = (known.name, known.documents_posted, known.confirmed_by_person)
        assert recorded == ("Quillfeather Stationers Ltd", 2, False)


def test_a_person_confirming_a_name_wins(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        remember_supplier(tenant_a.pk, purchase("QUILLFEATHER"), own_vat_numbers=[], by_person=False)
        remember_supplier(tenant_a.pk, purchase("Quillfeather Stationers Ltd"), own_vat_numbers=[], by_person=True)
        remember_supplier(tenant_a.pk, purchase("QUILLFEATHER"), own_vat_numbers=[], by_person=False)
        (known,) = KnownSupplier.objects.all()
        assert (known.name, known.confirmed_by_person, known.documents_posted) == (
            "Quillfeather Stationers Ltd",
            True,
            3,
        )


@pytest.mark.parametrize(
    "extraction",
    [
        purchase("Riverside Deli Ltd", kind=DocumentKind.SALES_INVOICE),  # our own sale: the issuer is us
        purchase("Hollybush Bakery Ltd", vat=OURS),  # our own number is never a supplier's
        purchase("Tinker & Tap", vat="980780685"),  # check digits fail
        purchase("", vat=VAT),  # no name to record
    ],
    ids=["sale", "own-vat-number", "invalid-vat-number", "no-name"],
)
def test_nothing_is_recorded_without_a_supplier_identified_by_a_valid_number(tenant_a, in_tenant, extraction):
    with in_tenant(tenant_a):
        assert remember_supplier(tenant_a.pk, extraction, own_vat_numbers=[OURS], by_person=True) is None
        assert not KnownSupplier.objects.exists()


def test_the_lookup_reads_the_record_then_a_rule_naming_number_and_supplier(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        KnownSupplierFactory(tenant=tenant_a, vat_number=VAT, name="Quillfeather Stationers Ltd")
        RuleFactory(tenant=tenant_a, supplier_vat_number=OTHER_VAT, supplier_exact="Brightwater Energy Ltd")
    lookup = KnownSuppliers(tenant_a.pk)
    assert lookup.get(VAT) == "Quillfeather Stationers Ltd"
    assert lookup.get("GB 980 7806 84") == "Quillfeather Stationers Ltd"  # any print style of the number
    assert lookup.get(OTHER_VAT) == "Brightwater Energy Ltd"
    assert lookup.get("999999973") is None and "999999973" not in lookup
    assert list(lookup) == [VAT] and len(lookup) == 1


def test_another_tenants_supplier_is_never_used(tenant_a, tenant_b, in_tenant):
    with in_tenant(tenant_a):
        KnownSupplierFactory(tenant=tenant_a, vat_number=VAT, name="Quillfeather Stationers Ltd")
    assert known_supplier_name(tenant_b.pk, VAT) is None
    assert KnownSuppliers(tenant_b.pk).get(VAT) is None
    # and the extraction of B's document keeps what B's document says
    text = "Quilfeather Stationers\nVAT Reg No: GB 980 7806 84\nInvoice No: Q-1\nTotal  £12.00"
    result = extract_fields([PageLines(text, 1.0)], known_suppliers=KnownSuppliers(tenant_b.pk))
    assert result.supplier_name.value == "Quilfeather Stationers"
    result = extract_fields([PageLines(text, 1.0)], known_suppliers=KnownSuppliers(tenant_a.pk))
    assert result.supplier_name.value == "Quillfeather Stationers Ltd"


def test_the_blind_index_differs_between_tenants(tenant_a, tenant_b, in_tenant):
    with in_tenant(tenant_a):
        of_a = known_supplier_index(tenant_a.pk, VAT)
    with in_tenant(tenant_b):
        assert known_supplier_index(tenant_b.pk, VAT) != of_a


@pytest.mark.postgres
def test_row_level_security_hides_a_record_from_another_tenants_query(tenant_a, tenant_b, in_tenant):
    with in_tenant(tenant_a):
        known = KnownSupplierFactory(tenant=tenant_a, vat_number=VAT)
    # B's query by A's own blind index (as if B had A's index key): RLS still returns nothing.
    with db_tenant(tenant_b.pk), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM documents_knownsupplier WHERE vat_index = %s", [known.vat_index])
        assert cursor.fetchone()[0] == 0
    with db_tenant(tenant_a.pk), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM documents_knownsupplier WHERE vat_index = %s", [known.vat_index])
        assert cursor.fetchone()[0] == 1
