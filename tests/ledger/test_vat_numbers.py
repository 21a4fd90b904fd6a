"""Input VAT is reclaimed only under a valid supplier VAT number that is not the business's own.

A purchase charging VAT under an invalid number, or under the business's own
number (printed as the customer's), goes to review with the reason; the review
panel then posts that VAT as cost unless the reviewer asks to reclaim it; and no
rule is ever keyed on the business's own number.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from apps.documents.extraction.reader import read_document
from apps.ledger import services
from apps.ledger.extraction import DocumentKind, Extracted
from apps.ledger.models import JournalLine, Rule
from apps.ledger.rules_engine import (
    INVALID_VAT_NUMBER_REASON,
    OWN_VAT_NUMBER_REASON,
    classify,
    vat_number_reason,
)
from golden.cases import GOLDEN_DIR
from tests.ledger.builders import make_extraction

D = Decimal
OURS, SUPPLIERS, INVALID = "980780684", "459670743", "459670744"


def run(extraction, rules=(), own=(OURS,)):
    return classify(extraction, tenant_rules=list(rules), threshold=0.8, own_vat_numbers=own)


def with_invalid(extraction, *numbers: str):
    extraction.invalid_vat_numbers = list(numbers)
    return extraction


def test_the_reasons_are_said_in_words():
    assert INVALID_VAT_NUMBER_REASON == (
        "The VAT number on this document is not valid, so its VAT cannot be reclaimed without a valid VAT invoice."
    )
    assert OWN_VAT_NUMBER_REASON == (
        "The VAT number on this document is your own VAT number, not the supplier's, so its VAT cannot be "
        "reclaimed on it: check the supplier's VAT number."
    )


class TestClassification:
    def test_the_golden_tinker_and_tap_invoice_goes_to_review(self):
        """Regression: its £12.20 of VAT was reclaimed (box 4) with no warning."""
        content = (GOLDEN_DIR / "documents" / "019-tinker-tap-invalid-vat.pdf").read_bytes()
        extraction = read_document(content, "application/pdf", own_names=["Hollybush Bakery Ltd"])
        result = run(extraction)
        assert (result.account_code, result.vat_treatment) == ("473", "standard")
        assert (result.needs_review, result.reasons) == (True, [INVALID_VAT_NUMBER_REASON])

    def test_an_invalid_number_printed_and_none_valid(self):
        printed = make_extraction(supplier="Tinker & Tap Tools Ltd", lines=["tools"], vat_number=None)
        result = run(with_invalid(printed, INVALID))
        assert (result.account_code, result.needs_review, result.reasons) == ("473", True, [INVALID_VAT_NUMBER_REASON])

    def test_an_invalid_number_as_the_suppliers(self):
        result = run(make_extraction(vat_number=INVALID, lines=["tools"]))
        assert result.reasons == [INVALID_VAT_NUMBER_REASON]

    def test_the_businesss_own_number_as_the_suppliers(self):
        result = run(make_extraction(vat_number=f"GB {OURS}", lines=["tools"]))
        assert (result.needs_review, result.reasons) == (True, [OWN_VAT_NUMBER_REASON])

    def test_a_valid_suppliers_number_beside_an_invalid_one_is_fine(self):
        result = run(with_invalid(make_extraction(vat_number=SUPPLIERS, lines=["tools"]), INVALID))
        assert (result.needs_review, result.reasons) == (False, [])

    def test_without_knowing_the_businesss_number_nothing_is_said_of_it(self):
        assert run(make_extraction(vat_number=OURS, lines=["tools"]), own=()).reasons == []

    @pytest.mark.parametrize(
        ("vat", "reason"), [("0.00", ""), ("0.01", INVALID_VAT_NUMBER_REASON), ("-0.01", ""), (None, "")]
    )
    def test_only_when_vat_is_charged(self, vat, reason):
        printed = make_extraction(vat=vat, net="1.00", gross="1.00", breakdown=None, vat_number=None)
        extraction = with_invalid(printed, INVALID)
        assert vat_number_reason(extraction, [OURS]) == reason

    @pytest.mark.parametrize(
        ("kind", "reason"),
        [
            (DocumentKind.PURCHASE_INVOICE, INVALID_VAT_NUMBER_REASON),
            (DocumentKind.RECEIPT, INVALID_VAT_NUMBER_REASON),
            (DocumentKind.CREDIT_NOTE, INVALID_VAT_NUMBER_REASON),
            (DocumentKind.SALES_INVOICE, ""),
            (DocumentKind.UNKNOWN, ""),
            (None, ""),
        ],
    )
    def test_only_on_purchases(self, kind, reason):
        assert vat_number_reason(with_invalid(make_extraction(kind=kind, vat_number=None), INVALID), [OURS]) == reason

    def test_our_sales_invoice_carries_our_number_without_a_reason(self):
        extraction = make_extraction(kind=DocumentKind.SALES_INVOICE, vat_number=OURS)
        assert vat_number_reason(extraction, [f"GB {OURS}"]) == ""
        assert vat_number_reason(dataclasses.replace(extraction, kind=Extracted(None, 0)), [OURS]) == ""

    def test_conflicting_evidence_found_by_the_extraction_is_a_reason(self):
        extraction = make_extraction(lines=["tools"])
        extraction.doubts = ["Who issued it is unclear."]
        result = run(extraction)
        assert (result.needs_review, result.reasons) == (True, ["Who issued it is unclear."])


class TestRulesNeverKeyOnOurNumber:
    def test_a_rule_on_our_number_never_matches(self):
        ours = Rule(name="Bad rule", priority=1, is_active=True, account_code="461", supplier_vat_number=f"GB{OURS}")
        result = run(make_extraction(vat_number=OURS, supplier="Wickham Hardware", lines=["tools"]), [ours])
        assert (result.account_code, result.rule_name) == ("473", "Repairs and maintenance")
        other = run(make_extraction(vat_number=OURS, lines=["tools"]), [ours], own=())
        assert other.rule_name == "Bad rule"  # the same rule, for a business whose number it is not

    @pytest.mark.django_db
    def test_learning_ignores_our_number_and_keys_on_the_name(self, chart_a, in_tenant, owner_a):
        ours = chart_a.vat_number
        extraction = make_extraction(vat_number=f"GB {ours}", supplier="Wickham Hardware Ltd")
        with in_tenant(chart_a):
            rule = services.learn_from_correction(
                extraction=extraction, account_code="473", vat_treatment="", actor=owner_a
            )
            assert (rule.supplier_vat_number, rule.supplier_normalised) == ("", "wickham hardware")
            # Another shop's receipt printing our number is not taught by it.
            other = services.classify_for_tenant(make_extraction(vat_number=ours, supplier="Loxley Cafe"))
        assert other.rule_id is None
        assert OWN_VAT_NUMBER_REASON in other.reasons

    @pytest.mark.django_db
    def test_learning_ignores_an_invalid_number(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            rule = services.learn_from_correction(
                extraction=make_extraction(vat_number=INVALID, supplier="Tinker & Tap Tools Ltd"),
                account_code="473", vat_treatment="", actor=owner_a,
            )  # fmt: skip
        assert (rule.supplier_vat_number, rule.supplier_normalised) == ("", "tinker and tap tools")

    @pytest.mark.django_db
    def test_a_valid_suppliers_number_is_still_learned(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            rule = services.learn_from_correction(
                extraction=make_extraction(vat_number=SUPPLIERS), account_code="473", vat_treatment="", actor=owner_a
            )
        assert (rule.supplier_vat_number, rule.supplier_normalised) == (SUPPLIERS, "")


@pytest.mark.django_db
class TestReviewPanel:
    """Approving such a document: VAT is cost unless the reviewer gives a valid number or asks to reclaim."""

    @pytest.fixture
    def waiting(self, chart_a):
        from apps.documents.models import DocumentState
        from tests.factories import DocumentFactory

        extraction = with_invalid(make_extraction(supplier="Tinker & Tap Tools Ltd", vat_number=None), INVALID)
        return DocumentFactory(
            tenant=chart_a, state=DocumentState.NEEDS_REVIEW, extraction=extraction.to_json(),
            classification={"account_code": "473", "vat_treatment": "standard"},
            review_reasons=[INVALID_VAT_NUMBER_REASON],
        )  # fmt: skip

    def approve(self, document, actor, in_tenant, **overrides):
        from apps.documents.services.review import Correction, approve_document

        values = {
            "kind": "purchase_invoice", "supplier_name": "Tinker & Tap Tools Ltd", "supplier_vat_number": "",
            "document_number": "TT-5520", "issue_date": date(2026, 1, 28), "net": D("100.00"), "vat": D("20.00"),
            "gross": D("120.00"), "account_code": "473", "vat_treatment": "standard",
        } | overrides  # fmt: skip
        with in_tenant(document.tenant):
            document = approve_document(document=document, correction=Correction(**values), learn=False, actor=actor)
            lines = JournalLine.objects.filter(entry_id=document.journal_entry_id).select_related("account")
            return document, sorted((li.account.code, li.debit, li.credit, li.vat_rate) for li in lines)

    def test_approved_as_read_the_vat_is_part_of_the_cost(self, waiting, owner_a, in_tenant):
        document, lines = self.approve(waiting, owner_a, in_tenant)
        assert lines == [("473", D("120.00"), D("0.00"), D("20.00")), ("800", D("0.00"), D("120.00"), None)]
        assert document.classification["explanation"].startswith(
            f"Approved by {owner_a.email}; VAT of £20.00 not reclaimed (part of the cost): {INVALID_VAT_NUMBER_REASON}"
        )
        assert document.extraction["vat"]["value"] == "20.00"  # what the document says is kept

    def test_our_own_number_given_as_the_suppliers_is_not_reclaimed(self, waiting, owner_a, in_tenant):
        _, lines = self.approve(waiting, owner_a, in_tenant, supplier_vat_number=waiting.tenant.vat_number)
        assert [code for code, *_ in lines] == ["473", "800"]

    def test_the_suppliers_valid_number_reclaims(self, waiting, owner_a, in_tenant):
        _, lines = self.approve(waiting, owner_a, in_tenant, supplier_vat_number=SUPPLIERS)
        assert ("820", D("20.00"), D("0.00"), None) in lines and ("473", D("100.00"), D("0.00"), D("20.00")) in lines

    def test_the_reviewer_can_explicitly_reclaim(self, waiting, owner_a, in_tenant):
        _, lines = self.approve(waiting, owner_a, in_tenant, reclaim_vat=True)
        assert ("820", D("20.00"), D("0.00"), None) in lines

    def test_changed_totals_without_a_breakdown_still_balance(self, waiting, owner_a, in_tenant):
        _, lines = self.approve(waiting, owner_a, in_tenant, net=D("50.00"), vat=D("2.50"), gross=D("52.50"))
        assert lines == [("473", D("52.50"), D("0.00"), D("5.00")), ("800", D("0.00"), D("52.50"), None)]
