"""The ledger's plain document-kind values match its extraction type; these keep the two in step."""

from __future__ import annotations

from decimal import Decimal

from apps.ledger import chart, domain
from apps.ledger import extraction as result
from apps.ledger.default_rules import DEFAULT_RULES
from apps.ledger.domain import format_money


def test_document_kinds_and_exempt_marker_match_the_contract():
    assert domain.EXEMPT_RATE == result.EXEMPT_RATE
    assert {
        domain.DOC_PURCHASE_INVOICE,
        domain.DOC_RECEIPT,
        domain.DOC_SALES_INVOICE,
        domain.DOC_CREDIT_NOTE,
    } == {k.value for k in result.DocumentKind} - {"unknown"}


def test_default_rules_post_to_expense_accounts_of_the_chart():
    expense = {spec.code for spec in chart.DEFAULT_CHART if spec.type == chart.AccountType.EXPENSE}
    assert {rule.account_code for rule in DEFAULT_RULES} <= expense
    assert len({rule.name for rule in DEFAULT_RULES}) == len(DEFAULT_RULES)


def test_money_is_formatted_for_people():
    assert format_money(Decimal("1234.5")) == "£1,234.50"
    assert format_money(Decimal("-1234.56")) == "(£1,234.56)"
    assert format_money(Decimal("0")) == "£0.00"
    assert format_money(Decimal("-0.00")) == "£0.00"
    assert format_money(None) == ""
