"""Learning from corrections, and classification with the current tenant's rules and chart."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings

from apps.ledger import services
from apps.ledger.errors import AccountError, RuleError
from apps.ledger.models import Account, Rule
from tests.helpers import audit_events
from tests.ledger.builders import make_extraction

pytestmark = pytest.mark.django_db

UNKNOWN_BAKERY_SUPPLIER = {"supplier": "Hartley's Patisserie Supplies", "lines": ["Fondant 5kg", "Piping bags"]}


def test_a_correction_makes_the_next_document_from_that_supplier_classify_without_review(
    chart_a, in_tenant, bookkeeper_a
):
    first = make_extraction(vat_number="GB980780684", **UNKNOWN_BAKERY_SUPPLIER)
    with in_tenant(chart_a):
        before = services.classify_for_tenant(first)
        assert before.needs_review and before.account_code is None

        rule = services.learn_from_correction(
            extraction=first, account_code="310", vat_treatment="", actor=bookkeeper_a
        )

        # Next month: same VAT number, the name read a little differently, different items.
        later = make_extraction(vat_number="980 7806 84", supplier="Hartleys Patisserie", lines=["Sugar paste"])
        after = services.classify_for_tenant(later)
    assert (after.account_code, after.needs_review, after.reasons) == ("310", False, [])
    assert after.rule_id == rule.pk
    assert after.explanation.startswith(
        "matched rule 'Hartley's Patisserie Supplies (learned from a correction)' on VAT number GB 980 7806 84"
    )
    assert (rule.created_from_correction, rule.created_by, rule.priority) == (True, bookkeeper_a, 10)
    (event,) = audit_events(chart_a.pk, action="ledger.rule.learned")
    assert '"account":"310"' in event.body and event.actor_label == bookkeeper_a.email


def test_without_a_vat_number_the_rule_is_keyed_on_the_normalised_name(chart_a, in_tenant, owner_a):
    with in_tenant(chart_a):
        rule = services.learn_from_correction(
            extraction=make_extraction(**UNKNOWN_BAKERY_SUPPLIER, vat_number=None),
            account_code="310",
            vat_treatment="zero",
            actor=owner_a,
        )
        assert (rule.supplier_vat_number, rule.supplier_normalised) == ("", "hartleys patisserie supplies")
        zero_rated = {"net": "100.00", "vat": "0.00", "gross": "100.00", "breakdown": [("0", "100.00", "0.00")]}
        result = services.classify_for_tenant(
            make_extraction(supplier="HARTLEY'S PATISSERIE SUPPLIES LTD", **zero_rated)
        )
    assert (result.account_code, result.vat_treatment, result.needs_review) == ("310", "zero", False)


def test_a_second_correction_updates_the_same_rule(chart_a, in_tenant, owner_a):
    extraction = make_extraction(vat_number="980780684", **UNKNOWN_BAKERY_SUPPLIER)
    with in_tenant(chart_a):
        first = services.learn_from_correction(
            extraction=extraction, account_code="310", vat_treatment="", actor=owner_a
        )
        Rule.objects.filter(pk=first.pk).update(is_active=False)
        second = services.learn_from_correction(
            extraction=extraction, account_code="429", vat_treatment="standard", actor=owner_a
        )
        assert second.pk == first.pk and Rule.objects.count() == 1
        second.refresh_from_db()
    assert (second.account_code, second.vat_treatment, second.is_active) == ("429", "standard", True)
    updated = audit_events(chart_a.pk, action="ledger.rule.learned")[1]
    assert '"before":{"account":"310"' in updated.body


@pytest.mark.parametrize(
    ("extraction", "code", "treatment", "error", "message"),
    [
        (
            make_extraction(supplier=None, vat_number=None),
            "310",
            "",
            RuleError,
            "neither the supplier's name nor its VAT number",
        ),
        (make_extraction(kind="sales_invoice"), "200", "", RuleError, "learned from purchases"),
        (make_extraction(), "310", "half", RuleError, "not a VAT treatment"),
        (make_extraction(), "999", "", AccountError, "999 is not an active account"),
    ],
)
def test_bad_corrections_are_refused(chart_a, in_tenant, owner_a, extraction, code, treatment, error, message):
    with in_tenant(chart_a):
        with pytest.raises(error, match=message):
            services.learn_from_correction(
                extraction=extraction, account_code=code, vat_treatment=treatment, actor=owner_a
            )
        assert Rule.objects.count() == 0


def test_rules_are_per_tenant(chart_a, chart_b, in_tenant, owner_a):
    extraction = make_extraction(vat_number="980780684", **UNKNOWN_BAKERY_SUPPLIER)
    with in_tenant(chart_a):
        services.learn_from_correction(extraction=extraction, account_code="310", vat_treatment="", actor=owner_a)
    with in_tenant(chart_b):
        assert services.classify_for_tenant(extraction).needs_review


def test_classify_for_tenant_uses_the_threshold_setting_and_the_active_chart(chart_a, in_tenant, owner_a):
    extraction = make_extraction(supplier="Ryman", supplier_confidence=0.85)
    with in_tenant(chart_a):
        assert not services.classify_for_tenant(extraction).needs_review
        with override_settings(CLASSIFICATION_CONFIDENCE_THRESHOLD=0.9):
            assert services.classify_for_tenant(extraction).needs_review
        services.deactivate_account(account=Account.objects.get(code="461"), actor=owner_a)
        result = services.classify_for_tenant(extraction)
    assert result.needs_review and "461" in result.reasons[0]


def test_a_learned_rule_classifies_and_posts_end_to_end(chart_a, in_tenant, owner_a):
    from tests.ledger.conftest import entry_lines

    extraction = make_extraction(vat_number="980780684", **UNKNOWN_BAKERY_SUPPLIER)
    with in_tenant(chart_a):
        services.learn_from_correction(extraction=extraction, account_code="310", vat_treatment="", actor=owner_a)
        classification = services.classify_for_tenant(extraction)
        entry = services.post_document(document_id=uuid.uuid4(), extraction=extraction, classification=classification)
        assert entry_lines(entry)[0] == ("310", "100.00", "0.00")
        assert "learned from a correction" in entry.explanation


class TestSealedKeys:
    """The supplier values are sealed (decision 0025): the learned rule is found by blind index."""

    def test_a_second_correction_without_a_vat_number_updates_the_same_rule(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            first = services.learn_from_correction(
                extraction=make_extraction(**UNKNOWN_BAKERY_SUPPLIER), account_code="310", vat_treatment="",
                actor=owner_a,
            )  # fmt: skip
            again = services.learn_from_correction(
                extraction=make_extraction(supplier="Hartley's Patisserie Supplies"), account_code="429",
                vat_treatment="", actor=owner_a,
            )  # fmt: skip
            assert again.pk == first.pk and Rule.objects.get().account_code == "429"

    def test_a_concurrent_correction_that_won_is_updated_not_duplicated(self, chart_a, in_tenant, owner_a, monkeypatch):
        from apps.ledger.services import rules

        extraction = make_extraction(vat_number="GB980780684", **UNKNOWN_BAKERY_SUPPLIER)
        with in_tenant(chart_a):
            winner = services.learn_from_correction(
                extraction=extraction, account_code="310", vat_treatment="", actor=owner_a
            )
            real, calls = rules._confirmed, []

            def first_lookup_misses(candidates, vat_number, normalised):
                calls.append(vat_number)  # as if the other transaction had not committed at our first look
                return None if len(calls) == 1 else real(candidates, vat_number, normalised)

            monkeypatch.setattr(rules, "_confirmed", first_lookup_misses)
            loser = services.learn_from_correction(
                extraction=extraction, account_code="429", vat_treatment="", actor=owner_a
            )
            assert loser.pk == winner.pk and Rule.objects.count() == 1 and len(calls) == 2

    def test_an_index_match_that_the_opened_value_does_not_confirm_is_refused(
        self, chart_a, in_tenant, owner_a, monkeypatch
    ):
        from apps.ledger.services import rules

        extraction = make_extraction(vat_number="GB980780684", **UNKNOWN_BAKERY_SUPPLIER)
        with in_tenant(chart_a):
            services.learn_from_correction(extraction=extraction, account_code="310", vat_treatment="", actor=owner_a)
            monkeypatch.setattr(rules, "_confirmed", lambda *args: None)  # a 16-byte index collision
            with pytest.raises(RuleError, match="reads the same"):
                services.learn_from_correction(
                    extraction=extraction, account_code="429", vat_treatment="", actor=owner_a
                )
            assert Rule.objects.get().account_code == "310"
