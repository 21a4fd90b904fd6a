"""Recording who a supplier is: the name on the business's record for a VAT number (``KnownSupplier``).

Why at posting and at review: a posted document's supplier is one the business stands behind (the rules
engine was sure enough to post it, or a person approved it). Extraction then reconciles later documents
with the same VAT number against that name (extraction/supplier.py, decision 0030). A name a person
confirmed wins over any automatic posting; an automatic posting never renames a supplier on record.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from django.db import IntegrityError, transaction

from apps.documents.extraction.vatnumber import normalise_vat_number
from apps.documents.models import KnownSupplier, known_supplier_index
from apps.ledger.extraction import DocumentKind, Extraction


def remember_supplier(
    tenant_id: uuid.UUID, extraction: Extraction, *, own_vat_numbers: Collection[str], by_person: bool
) -> KnownSupplier | None:
    """Record (or confirm) the supplier of a posted purchase; None when there is nothing to record.

    Only a valid VAT number that is not the business's own identifies a supplier; a sales invoice's issuer
    is the business itself. Runs inside the caller's tenant context and transaction (the posting's).
    """
    number = normalise_vat_number(extraction.supplier_vat_number.value or "")
    name = (extraction.supplier_name.value or "").strip()
    own = {n for n in (normalise_vat_number(v) for v in own_vat_numbers) if n}
    if not number or not name or number in own or extraction.kind.value == DocumentKind.SALES_INVOICE:
        return None
    index = known_supplier_index(tenant_id, number)
    with transaction.atomic():
        known = KnownSupplier.objects.select_for_update().filter(vat_index=index).first()
        if known is None:
            known = KnownSupplier(
                tenant_id=tenant_id, vat_number=number, name=name, confirmed_by_person=by_person, documents_posted=1
            )
            try:
                with transaction.atomic():
                    known.save(force_insert=True)
                return known
            except IntegrityError:  # a concurrent posting for the same supplier recorded it first
                known = KnownSupplier.objects.select_for_update().get(vat_index=index)
        known.documents_posted += 1
        fields = ["documents_posted", "updated_at"]
        if by_person and (known.name != name or not known.confirmed_by_person):
            known.name, known.confirmed_by_person = name, True
            fields += ["name", "confirmed_by_person"]
        known.save(update_fields=fields)
    return known
