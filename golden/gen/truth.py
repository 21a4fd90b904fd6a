"""The expected outputs: the true extraction, the classification and the postings, from the specs alone.

Posting conventions (the ledger follows them):
- purchase invoice or receipt: Dr the expense account the net per VAT rate (one line per rate),
  Dr 820 the total VAT, Cr 800 the gross;
- credit note: the mirror image (Dr 800 gross, Cr expense net per rate, Cr 820 VAT);
- sales invoice: Dr 610 gross, Cr 200 net, Cr 821 VAT.
Zero-value lines are omitted.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from apps.ledger.extraction import (
    DocumentKind,
    Extracted,
    Extraction,
    LineItem,
    VatBreakdown,
)

from .catalogue import OWN_NAMES, OWN_VAT_NUMBERS
from .model import EXEMPT, DocSpec

ZERO = Decimal("0.00")


def truth(spec: DocSpec) -> Extraction:
    net, vat, gross = spec.totals()
    sure = 1.0
    result = Extraction(
        kind=Extracted(DocumentKind(spec.kind), sure),
        supplier_name=Extracted(spec.issuer.name, sure),
        supplier_vat_number=Extracted(spec.issuer.vat_number if spec.issuer.vat_valid else None, sure),
        customer_name=Extracted(spec.customer.name if spec.kind == "sales_invoice" else None, sure),
        document_number=Extracted(spec.doc_number, sure),
        issue_date=Extracted(spec.issue_date, sure),
        currency=Extracted("GBP", sure),
        net=Extracted(net, sure),
        vat=Extracted(vat, sure),
        gross=Extracted(gross, sure),
    )
    result.vat_breakdown = [
        VatBreakdown(rate, rnet, rvat) for rate, rnet, rvat, _ in spec.breakdown() if rate is not None
    ]
    result.lines = [
        LineItem(
            description=item.description,
            net=spec.line_net(item),
            vat_rate=item.rate,
            quantity=item.qty,
            unit_price=item.price if item.qty is not None else None,
        )
        for item in spec.items
    ]
    result.arithmetic_ok = True
    if spec.issuer.vat_number and not spec.issuer.vat_valid:
        result.invalid_vat_numbers = [spec.issuer.vat_number]
    return result


def vat_treatment(spec: DocSpec) -> str:
    rates = spec.rates()
    if len(rates) > 1:
        return "mixed"
    rate = rates[0]
    if rate is None or spec.extra.get("outside_scope"):
        return "outside_scope"
    if rate == EXEMPT:
        return "exempt"
    return {Decimal(20): "standard", Decimal(5): "reduced", Decimal(0): "zero"}[rate]


def account_code(spec: DocSpec) -> str:
    return "200" if spec.kind == "sales_invoice" else spec.issuer.account


def postings(spec: DocSpec) -> list[dict[str, str]]:
    net, vat, gross = spec.totals()
    lines: list[tuple[str, Decimal, Decimal]] = []
    if spec.kind == "sales_invoice":
        lines = [("610", gross, ZERO), ("200", ZERO, net), ("821", ZERO, vat)]
    else:
        per_rate = [(spec.issuer.account, rnet) for _, rnet, _, _ in spec.breakdown()]
        if spec.kind == "credit_note":
            lines = [("800", gross, ZERO), *((acc, ZERO, v) for acc, v in per_rate), ("820", ZERO, vat)]
        else:
            lines = [*((acc, v, ZERO) for acc, v in per_rate), ("820", vat, ZERO), ("800", ZERO, gross)]
    out = [{"account": a, "debit": f"{dr:.2f}", "credit": f"{cr:.2f}"} for a, dr, cr in lines if dr or cr]
    assert sum(Decimal(p["debit"]) for p in out) == sum(Decimal(p["credit"]) for p in out), spec.name
    return out


def expected(spec: DocSpec) -> dict[str, Any]:
    data = {
        "file": spec.name,
        "group": "good",
        "own_names": list(OWN_NAMES),
        "own_vat_numbers": list(OWN_VAT_NUMBERS),
        "extraction": truth(spec).to_json(with_confidence=False),
        "classification": {"account_code": account_code(spec), "vat_treatment": vat_treatment(spec)},
        "postings": postings(spec),
        "about": {"template": spec.template, "format": spec.output, "dpi": spec.dpi if spec.output != "pdf" else None},
    }
    if spec.expected_state != "posted":
        data["expected_state"] = spec.expected_state
        data["about"]["review_note"] = spec.review_note
    if spec.review_reason:
        data["expected_reason"] = spec.review_reason
    return data


def trial_balance(goods: list[dict[str, Any]]) -> dict[str, Any]:
    debit: dict[str, Decimal] = defaultdict(Decimal)
    credit: dict[str, Decimal] = defaultdict(Decimal)
    for doc in (g for g in goods if g.get("expected_state", "posted") == "posted"):
        for p in doc["postings"]:
            debit[p["account"]] += Decimal(p["debit"])
            credit[p["account"]] += Decimal(p["credit"])
    accounts = {
        code: {"debit": f"{debit[code]:.2f}", "credit": f"{credit[code]:.2f}"} for code in sorted(debit | credit)
    }
    total_dr, total_cr = sum(debit.values(), ZERO), sum(credit.values(), ZERO)
    assert total_dr == total_cr
    return {
        "documents": len(goods),
        "accounts": accounts,
        "totals": {"debit": f"{total_dr:.2f}", "credit": f"{total_cr:.2f}"},
    }


def vat_return(goods: list[dict[str, Any]]) -> dict[str, Any]:
    """The VAT return of the whole set, from the expected postings and classifications alone (spec §7.3).

    Output VAT is what the 821 control account receives, input VAT what 820
    receives; net sales and purchases are the income and expense lines of
    documents whose VAT treatment is not "outside the scope". Boxes 6 to 9
    leave out the pence. The golden command compares the filing app's
    computation over the posted ledger with this.
    """
    from apps.ledger.chart import DEFAULT_CHART, VAT_INPUT, VAT_OUTPUT

    types = {spec.code: str(spec.type) for spec in DEFAULT_CHART}
    box1 = box4 = box6 = box7 = ZERO
    for doc in (g for g in goods if g.get("expected_state", "posted") == "posted"):
        counted = doc["classification"]["vat_treatment"] != "outside_scope"
        for p in doc["postings"]:
            debit, credit = Decimal(p["debit"]), Decimal(p["credit"])
            if p["account"] == VAT_OUTPUT:
                box1 += credit - debit
            elif p["account"] == VAT_INPUT:
                box4 += debit - credit
            elif counted and types.get(p["account"]) == "income":
                box6 += credit - debit
            elif counted and types.get(p["account"]) == "expense":
                box7 += debit - credit
    whole = lambda d: int(d)  # noqa: E731 - int() truncates towards zero: "leave out the pence"
    return {
        "box1": f"{box1:.2f}", "box2": "0.00", "box3": f"{box1:.2f}", "box4": f"{box4:.2f}",
        "box5": f"{abs(box1 - box4):.2f}", "box6": str(whole(box6)), "box7": str(whole(box7)), "box8": "0", "box9": "0",
    }  # fmt: skip
