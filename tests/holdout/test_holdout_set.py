"""The holdout set: what the brief asks of it, a truth that adds up and is what the documents print, fictitious
parties, its own fonts and tenant, and committed files that are what the generator writes."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from stdnum.gb import vat as gb_vat

from apps.documents.validation import inspect_upload, sniff
from golden.cases import load_cases as load_golden_cases
from holdout.cases import HOLDOUT_DIR, load_cases, load_tenant, thresholds
from holdout.gen import photo
from holdout.gen.fmt import fmt_money

CASES = load_cases()
TRUTHS = [(c, c.expected["extraction"]) for c in CASES]


def test_the_set_has_what_the_brief_asks_for():
    assert len(CASES) >= 60
    assert sum(c.photo for c in CASES) >= 20 and sum(not c.photo for c in CASES) >= 40
    assert len({c.expected["about"]["layout"] for c in CASES}) >= 6
    assert {t["kind"] for _, t in TRUTHS} == {"purchase_invoice", "receipt", "sales_invoice", "credit_note"}
    assert {"20.00", "5.00", "0.00", "-1.00"} <= {b["rate"] for _, t in TRUTHS for b in t["vat_breakdown"]}
    assert {".pdf", ".png", ".jpg", ".tif"} <= {c.path.suffix for c in CASES}
    assert any(c.expected["about"]["format"] == "scanpdf" for c in CASES)  # image-only PDFs
    assert set(photo.ALL) <= {s for c in CASES for s in c.expected["about"]["degradations"]}
    invalid = [c for c in CASES if c.expected["extraction"]["invalid_vat_numbers"]]
    assert len(invalid) >= 2 and all(c.expected["expected_state"] == "needs_review" for c in invalid)
    assert {c.group for c in CASES} == {"good"}
    committed = sum(p.stat().st_size for p in (HOLDOUT_DIR / "documents").iterdir())
    assert committed < 10_000_000


def test_the_holdout_tenant_is_not_goldens():
    tenant, golden = load_tenant(), load_golden_cases(group="good")[0]
    assert tenant["name"] not in golden.own_names and tenant["vat_number"] not in golden.own_vat_numbers
    assert gb_vat.is_valid(tenant["vat_number"])
    assert all(c.own_names == [tenant["name"]] for c in CASES)


def test_thresholds_are_the_issues_targets():
    assert thresholds() == {"ledger_field_accuracy": 0.97, "photo_ledger_field_accuracy": 0.90, "silent_errors": 0}


@pytest.mark.parametrize(("case", "truth"), TRUTHS, ids=lambda v: getattr(v, "file", ""))
def test_the_truth_adds_up_and_its_vat_numbers_pass_their_check_unless_meant_not_to(case, truth):
    net, vat, gross = (Decimal(truth[k]) for k in ("net", "vat", "gross"))
    assert net + vat == gross and gross > 0
    if truth["vat_breakdown"]:
        assert sum(Decimal(b["net"]) for b in truth["vat_breakdown"]) == net
        assert sum(Decimal(b["vat"]) for b in truth["vat_breakdown"]) == vat
    else:
        assert vat == 0 and truth["supplier_vat_number"] is None
    if truth["supplier_vat_number"]:
        assert gb_vat.is_valid(truth["supplier_vat_number"])
    for number in truth["invalid_vat_numbers"]:
        assert not gb_vat.is_valid(number) and truth["supplier_vat_number"] is None
    assert (truth["customer_name"] is not None) == (truth["kind"] == "sales_invoice")
    if truth["kind"] == "sales_invoice":
        assert truth["supplier_name"] in case.own_names and truth["supplier_vat_number"] in case.own_vat_numbers
    info = inspect_upload(case.content())
    assert info.content_type == sniff(case.content())


BORN_DIGITAL = [c for c in CASES if c.expected["about"]["format"] == "pdf"]


@pytest.mark.parametrize("case", BORN_DIGITAL, ids=lambda c: c.file)
def test_born_digital_documents_print_their_truth_in_their_own_fonts(case):
    """Independent of the extractor: the text layer holds the supplier, number and total the truth records."""
    reader = PdfReader(io.BytesIO(case.content()))
    text = " ".join(page.extract_text() for page in reader.pages)
    truth = case.expected["extraction"]
    for value in (truth["supplier_name"].upper() if case.expected["about"]["layout"] in ("trade", "till")
                  else truth["supplier_name"], truth["document_number"]):  # fmt: skip
        assert value is None or value in text
    assert fmt_money(Decimal(truth["gross"]), case.expected["about"]["money_style"]).split()[-1].lstrip("£") in text
    fonts = {str(font["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert fonts and not any(base in f for f in fonts for base in ("Helvetica", "Times", "Courier", "Symbol"))


def test_every_party_is_fictitious():
    from holdout.gen.world import CUSTOMERS, SUPPLIERS, TENANT

    for party in (*SUPPLIERS.values(), *CUSTOMERS.values(), TENANT):
        assert party.phone.startswith("01632 960") and party.email.endswith(".example")
        assert party.address[-1][:2] in {"QV", "XW", "VQ", "QX", "XV", "QZ", "VX", "QJ"}  # no such postcode areas


def test_two_documents_regenerate_byte_for_byte():
    """The quick determinism check (a born-digital PDF and a photo-like JPEG); the whole set is the slow tier."""
    from holdout.gen.catalogue import documents
    from holdout.generate import document_bytes

    docs = {d.name: d for d in documents()}
    for name in ("001-pixelhive-invoice.pdf", "043-saltmarsh-till-photo.jpg"):
        assert document_bytes(docs[name]) == (HOLDOUT_DIR / "documents" / name).read_bytes(), name


@pytest.mark.slow
def test_committed_files_are_what_the_generator_writes():
    from holdout.generate import build, check

    assert check(*build()) == []
