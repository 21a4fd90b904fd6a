"""The holdout's documents: 64 specs (42 clean or scanned, 22 photo-like) built from one seed.

Each row says the layout, the supplier, what it sells, the output and, for the photo-like part, the
degradations; the rest (items, quantities, dates, label words, print styles) is drawn from the document's
own seeded generator, so the set is deterministic and every document differs.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import date, timedelta
from decimal import Decimal

from holdout.gen.model import Doc, Line, Party
from holdout.gen.world import CUSTOMERS, ITEMS, SUPPLIERS, TENANT, invalid_vat

SEED = 20260412

# The words and styles real UK paperwork uses, per slot (drawn per document).
NO_LABELS = ["Invoice No.", "Inv #", "Invoice Number", "Document no", "Invoice ref", "Our invoice no.", "Ref:"]
DATE_LABELS = ["Date", "Tax point", "Invoice date", "Date of issue", "Dated", "Tax date", "Date/Tax point"]
VAT_LABELS = ["VAT Reg No", "VAT No:", "VAT Registration No.", "VAT reg. number", "VAT Number", "VAT No"]
SUB_LABELS = ["Sub-total", "Subtotal", "Net total", "Total net", "Goods total", "Net amount", "Total excl. VAT"]
TOTAL_LABELS = ["Total (inc VAT)", "Amount due", "Balance due", "Total due", "Invoice total", "Amount payable",
                "Grand total", "Total to pay"]  # fmt: skip
RECEIPT_NO = ["Receipt No:", "Trans:", "Receipt", "Txn No", "Ticket"]
RECEIPT_TOTAL = ["TOTAL", "BALANCE DUE", "TOTAL TO PAY", "AMOUNT DUE", "TOTAL GBP"]
DATE_STYLES = ["dots", "ordinal_abbr", "weekday_short_year", "us_words", "slash_short", "long", "iso",
               "dash_abbr", "slash_long", "ordinal_long"]  # fmt: skip
MONEY_STYLES = ["pound", "pound_plain", "pound_space", "gbp", "gbp_plain", "bare"]
VAT_STYLES = ["gb_spaced", "gb_tight", "spaced", "gb_dashed", "plain", "gb_space_plain"]
FONTS = {
    "saas": ["LiberationSans", "DejaVuSans"],
    "trade": ["LiberationSansNarrow", "DejaVuSansCondensed"],
    "till": ["DejaVuSansMono", "LiberationMono"],
    "restaurant": ["DejaVuSerif", "LiberationSerif"],
    "utility": ["DejaVuSans", "LiberationSans", "DejaVuSansCondensed"],
    "typewriter": ["LiberationMono", "DejaVuSansMono", "DejaVuSerifCondensed"],
    "credit": ["LiberationSerif", "DejaVuSerif"],
    "sales": ["DejaVuSansCondensed", "LiberationSans"],
    "letterhead": ["LiberationSerif", "DejaVuSerifCondensed"],
}
CODE_SHAPES = {
    "saas": lambda r: f"INV-{r.randint(10000, 99999)}",
    "saas2": lambda r: f"PX{r.randint(2, 9)}{r.choice('ABCDEFGHJK')}{r.randint(1000, 9999)}",
    "trade": lambda r: f"SI/{r.randint(100000, 999999)}",
    "trade2": lambda r: f"TC2{r.randint(601, 604)}-{r.randint(100, 999)}",
    "till": lambda r: f"{r.randint(1000, 9999)}-{r.randint(100, 999)}-{r.randint(1000, 9999)}",
    "restaurant": lambda r: str(r.randint(20000, 49999)),
    "utility": lambda r: f"BL{r.randint(10_000_000, 99_999_999)}",
    "typewriter": lambda r: f"A-{r.randint(1, 99):04d}",
    "credit": lambda r: f"CN-{r.randint(100, 9999):05d}",
    "credit2": lambda r: f"CR/{r.randint(26000, 26999)}",
    "sales": lambda r: f"MG-2026-{r.randint(1, 400):03d}",
    "letterhead": lambda r: f"FN/26/{r.randint(1, 999):04d}",
}

# Every degradation at once (mild each): the hardest photo-like case.
ALL_STEPS = ("crumple", "perspective", "rotate", "lighting", "shadow", "blur", "noise", "dpi150", "jpeg")
# (layout, supplier, items, lines, output, degradations, options)
ROWS: list[tuple[str, str, str, int, str, tuple[str, ...], dict]] = [
    # --- clean: born-digital PDFs -----------------------------------------------------------------------
    ("saas", "pixelhive", "saas", 2, "pdf", (), {}),
    ("saas", "ledgerleaf", "saas", 3, "pdf", (), {"code": "saas2"}),
    ("saas", "bellweather", "courier", 4, "pdf", (), {}),
    ("saas", "halcyon", "telecom", 3, "pdf", (), {"invalid_vat": True}),
    ("trade", "brackley", "builders", 6, "pdf", (), {}),
    ("trade", "fenwright", "electrical", 5, "pdf", (), {"code": "trade2"}),
    ("trade", "wrenfield", "clay", 30, "pdf", (), {"slug": "two-pages"}),
    ("trade", "greybeck", "packaging", 4, "pdf", (), {}),
    ("trade", "corvid", "tyres", 4, "pdf", (), {"code": "trade2"}),
    ("till", "saltmarsh", "grocery", 7, "pdf", (), {}),
    ("till", "penhallow", "garden", 4, "pdf", (), {}),
    ("till", "dunnock", "fuel", 2, "pdf", (), {"no_number": True}),
    ("till", "quayside", "hardware", 3, "pdf", (), {}),
    ("restaurant", "nightjar", "restaurant", 5, "pdf", (), {}),
    ("restaurant", "lanternfish", "restaurant", 4, "pdf", (), {}),
    ("utility", "tidewell", "water", 4, "pdf", (), {}),
    ("utility", "glowmere", "energy", 4, "pdf", (), {}),
    ("utility", "glowmere", "energy_domestic", 2, "pdf", (), {"slug": "gas-5pc"}),
    ("utility", "halcyon", "telecom", 4, "pdf", (), {}),
    ("typewriter", "moorcroft", "kiln", 3, "pdf", (), {}),
    ("typewriter", "inkwell", "print", 3, "pdf", (), {}),
    ("typewriter", "sorrel", "catering", 3, "pdf", (), {"invalid_vat": True}),
    ("credit", "wrenfield", "clay", 1, "pdf", (), {}),
    ("credit", "fenwright", "electrical", 2, "pdf", (), {"code": "credit2"}),
    ("credit", "ravenscar", "office", 1, "pdf", (), {}),
    ("sales", "fairholme", "sales", 3, "pdf", (), {}),
    ("sales", "copperbeech", "sales", 4, "pdf", (), {}),
    ("letterhead", "hartigan", "solicitor", 4, "pdf", (), {}),
    ("letterhead", "ostler", "surveyor", 3, "pdf", (), {}),
    ("saas", "ravenscar", "office", 3, "pdf", (), {}),
    # --- clean: scanned (flatbed, grey) ------------------------------------------------------------------
    ("saas", "pixelhive", "saas", 3, "png", (), {"dpi": 200}),
    ("trade", "brackley", "builders", 5, "tif", (), {"dpi": 300}),
    ("trade", "greybeck", "packaging", 3, "scanpdf", (), {"dpi": 200}),
    ("utility", "tidewell", "water", 3, "png", (), {"dpi": 200}),
    ("typewriter", "moorcroft", "kiln", 2, "tif", (), {"dpi": 300}),
    ("credit", "greybeck", "packaging", 2, "png", (), {"dpi": 200}),
    ("sales", "linnet", "sales", 3, "scanpdf", (), {"dpi": 200}),
    ("letterhead", "hartigan", "solicitor", 3, "png", (), {"dpi": 200}),
    ("till", "saltmarsh", "grocery", 5, "png", (), {"dpi": 300}),
    ("till", "thimble", "market", 3, "png", (), {"dpi": 300, "unregistered": True}),
    ("restaurant", "nightjar", "restaurant", 4, "png", (), {"dpi": 200}),
    ("credit", "pixelhive", "saas", 1, "scanpdf", (), {"dpi": 200, "code": "credit2"}),
    # --- photo-like (phone camera) -----------------------------------------------------------------------
    ("till", "saltmarsh", "grocery", 6, "jpg", ("rotate",), {}),
    ("till", "penhallow", "garden", 3, "jpg", ("lighting",), {}),
    ("till", "dunnock", "fuel", 2, "jpg", ("shadow", "noise"), {}),
    ("till", "quayside", "hardware", 4, "jpg", ("crumple", "lighting"), {}),
    ("till", "saltmarsh", "grocery", 4, "jpg", ("perspective", "lighting", "jpeg"), {}),
    ("till", "penhallow", "garden", 3, "jpg", ALL_STEPS, {}),
    ("till", "quayside", "hardware", 2, "png", ("rotate", "shadow"), {"invalid_vat": True}),
    ("restaurant", "lanternfish", "restaurant", 4, "jpg", ("lighting", "blur"), {}),
    ("restaurant", "nightjar", "restaurant", 3, "jpg", ("perspective", "shadow", "jpeg"), {}),
    ("restaurant", "lanternfish", "restaurant", 5, "jpg", ("crumple", "rotate", "noise"), {}),
    ("saas", "bellweather", "courier", 3, "jpg", ("perspective",), {}),
    ("saas", "ledgerleaf", "saas", 2, "jpg", ("dpi150", "jpeg"), {"code": "saas2"}),
    ("trade", "fenwright", "electrical", 4, "jpg", ("rotate", "lighting"), {}),
    ("trade", "corvid", "tyres", 3, "jpg", ALL_STEPS, {}),
    ("utility", "glowmere", "energy", 4, "jpg", ("shadow",), {}),
    ("utility", "tidewell", "water", 3, "scanpdf", ("perspective", "lighting", "noise"), {}),
    ("typewriter", "inkwell", "print", 2, "jpg", ("crumple",), {}),
    ("typewriter", "sorrel", "catering", 3, "jpg", ("blur", "noise", "dpi150"), {}),
    ("credit", "ravenscar", "office", 2, "jpg", ("lighting", "rotate", "jpeg"), {}),
    ("sales", "harbourlight", "sales", 4, "jpg", ("perspective", "shadow"), {}),
    ("letterhead", "ostler", "surveyor", 3, "jpg", ("rotate", "noise", "jpeg"), {}),
    ("saas", "halcyon", "telecom", 3, "png", ("crumple", "shadow", "blur"), {}),
]

SINGLE = {"water", "energy", "energy_domestic", "telecom", "surveyor", "solicitor", "catering"}  # charges, not goods
KINDS = {"till": "receipt", "restaurant": "receipt", "credit": "credit_note", "sales": "sales_invoice"}
TITLES = {"saas": ["Invoice", "Tax invoice", "VAT invoice"], "trade": ["INVOICE", "SALES INVOICE", "TAX INVOICE"],
          "typewriter": ["I N V O I C E", "INVOICE", "VAT INVOICE"], "credit": ["CREDIT NOTE", "Credit Note"],
          "sales": ["Invoice", "Tax invoice"], "letterhead": ["VAT INVOICE", "FEE NOTE"]}  # fmt: skip


def _lines(rng: random.Random, items: str, count: int, *, inclusive: bool) -> list[Line]:
    catalogue = ITEMS[items]
    picks = [catalogue[i % len(catalogue)] for i in rng.sample(range(max(count, len(catalogue))), count)]
    lines = []
    for n, (description, (low, high), rate) in enumerate(picks):
        if count > len(catalogue):
            description = f"{description} (lot {n + 1:02d})"
        unit = Decimal(str(round(rng.uniform(low, high), 2)))
        if inclusive and rng.random() < 0.5:
            unit = Decimal(str(round(float(unit) * 2) / 2)) - Decimal("0.01") if unit > 1 else unit
        quantity = Decimal(rng.choice((1, 1, 1, 2)) if inclusive else rng.choice((1, 1, 1, 2, 3, 4, 6, 10)))
        if items in SINGLE:
            quantity = Decimal(1)
        code = f"{items[:2].upper()}{rng.randint(1000, 9999)}"
        lines.append(Line(description, quantity, unit, rate, code))
    return lines


def _choose(rng: random.Random, options: list[str]) -> str:
    return options[rng.randrange(len(options))]


def documents() -> list[Doc]:
    docs = []
    for number, (layout, who, items, count, output, steps, opts) in enumerate(ROWS, start=1):
        rng = random.Random(SEED * 1009 + number)  # noqa: S311 - reproducible test data, not secrets
        kind = KINDS.get(layout, "purchase_invoice")
        supplier: Party = TENANT if layout == "sales" else SUPPLIERS[who]
        customer: Party = CUSTOMERS[who] if layout == "sales" else TENANT
        if opts.get("invalid_vat"):
            supplier = dataclasses.replace(supplier, vat_number=invalid_vat(number * 31))
        inclusive = layout in ("till", "restaurant")
        issued = date(2026, 1, 5) + timedelta(days=rng.randint(0, 100))
        labels = {"no": _choose(rng, NO_LABELS), "date": _choose(rng, DATE_LABELS), "vat": _choose(rng, VAT_LABELS),
                  "sub": _choose(rng, SUB_LABELS), "total": _choose(rng, TOTAL_LABELS)}  # fmt: skip
        if layout in ("trade", "letterhead"):  # these print an "Our ref" too: a person could not tell "Ref:" apart
            labels["no"] = _choose(rng, [label for label in NO_LABELS if "ref" not in label.lower()])
        if layout in TITLES:
            labels["title"] = _choose(rng, TITLES[layout])
        if layout == "till":
            labels.update(no=_choose(rng, RECEIPT_NO), total=_choose(rng, RECEIPT_TOTAL))
        if layout == "credit":
            labels.update(no=_choose(rng, ["Credit note no.", "Credit No", "Document no", "CN number"]),
                          total=_choose(rng, ["Total credit", "Credit total", "Total credited"]))  # fmt: skip
        if layout == "restaurant":
            labels.update(no=_choose(rng, ["Bill no.", "Check #", "Order", "Bill"]))
        date_style = _choose(rng, DATE_STYLES + (["abbr_upper"] if layout == "till" else []))
        doc_no = (
            None if opts.get("no_number") or opts.get("unregistered") else CODE_SHAPES[opts.get("code", layout)](rng)
        )
        extra = {
            "previous": Decimal(str(round(rng.uniform(40, 400), 2))),
            "period": f"{(issued - timedelta(days=31)):%d %b} to {(issued - timedelta(days=1)):%d %b %Y}",
            "original": f"INV-{rng.randint(10000, 99999)}",
            "reason": _choose(rng, ["Returned goods", "Damaged in transit", "Price adjustment", "Short delivery"]),
            "account": f"{rng.randint(1000, 9999)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
            if layout == "utility" else f"MAR{rng.randint(1, 99):03d}",
            "our_ref": f"{supplier.name[:2].upper()}/{rng.randint(1000, 9999)}",
            "time": f"{rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}",
            "table": str(rng.randint(1, 30)), "covers": rng.randint(1, 6),
            "strap": {"tidewell": "Your water and wastewater bill", "glowmere": "Your business energy bill"}.get(
                who, "Your monthly bill"),
        }  # fmt: skip
        slug = "-".join(filter(None, [who, layout if layout != "saas" else "invoice", opts.get("slug"),
                                      "invalid-vat" if opts.get("invalid_vat") else "",
                                      ("photo" if steps else "scan") if output != "pdf" else ""]))  # fmt: skip
        dpi = 150 if "dpi150" in steps else opts.get("dpi", 200 if steps else None)
        docs.append(Doc(
            number=number, slug=slug, layout=layout, kind=kind, supplier=supplier, customer=customer, doc_no=doc_no,
            issued=issued, lines=_lines(rng, items, count, inclusive=inclusive), output=output, photo=steps, dpi=dpi,
            font=_choose(rng, FONTS[layout]), date_style=date_style, money_style=_choose(rng, MONEY_STYLES),
            vat_style=_choose(rng, VAT_STYLES), labels=labels, inclusive=inclusive,
            vat_registered=not opts.get("unregistered"), invalid_vat=bool(opts.get("invalid_vat")),
            expected_state="needs_review" if opts.get("invalid_vat") else None, extra=extra, seed=SEED,
        ))  # fmt: skip
    return docs
