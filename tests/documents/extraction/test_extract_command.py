"""manage.py extract: a readable summary or JSON, no database, CommandError for bad files."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

GOLDEN = Path(__file__).resolve().parents[3] / "golden" / "documents"


def run(*args: str) -> str:
    out = StringIO()
    call_command("extract", *args, stdout=out)
    return out.getvalue()


def test_json_output_of_a_golden_file_has_fields_and_pages():
    data = json.loads(run(str(GOLDEN / "001-quillfeather-invoice.pdf"), "--json"))
    assert data["supplier_name"]["value"] == "Quillfeather Stationers Ltd"
    assert data["gross"] == {"value": "158.16", "confidence": 0.975}  # labelled 0.95, confirmed by the arithmetic
    assert data["pages"][0]["method"] == "text_layer" and "INVOICE" in data["pages"][0]["text"]
    assert data["arithmetic_ok"] is True


def test_readable_summary_and_own_names_make_a_sales_invoice():
    text = run(str(GOLDEN / "007-hollybush-sales-old-forge.pdf"), "--own-name", "Hollybush Bakery Ltd")
    assert "sales_invoice" in text and "The Old Forge Cafe Ltd" in text
    assert "£175.80" in text and "adds up" in text and "Page 1: text layer" in text


def test_a_scanned_image_is_ocred():
    data = json.loads(run(str(GOLDEN / "024-northgate-rail-receipt-scan.png"), "--json"))
    assert data["pages"][0]["method"] == "ocr" and data["gross"]["value"] == "12.40"


def test_a_corrupt_file_is_a_command_error_with_the_reason():
    with pytest.raises(CommandError, match="damaged or incomplete"):
        run(str(GOLDEN / "044-truncated.pdf"))
    with pytest.raises(CommandError, match="password-protected"):
        run(str(GOLDEN / "045-encrypted.pdf"), "--json")


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "nope.pdf"))


def test_a_file_of_another_type_is_rejected_by_content(tmp_path):
    path = tmp_path / "notes.pdf"
    path.write_text("just words")
    with pytest.raises(CommandError, match="judged by its content"):
        run(str(path))


def test_exit_code_is_1_on_a_bad_file():
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    completed = subprocess.run(
        [sys.executable, "manage.py", "extract", "golden/documents/044-truncated.pdf"],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 1
    assert "damaged or incomplete" in completed.stderr
