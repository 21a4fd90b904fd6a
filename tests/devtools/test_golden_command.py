"""``manage.py golden``: documents through the real pipeline meet their expectations, and nothing is left behind.

The quick test runs one document (the command's own contract: it reads, compares, reports and rolls
back). The whole set is the slow tier (``make test-slow``); CI also runs it as ``make golden``.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from apps.documents.models import Document
from apps.tenancy.models import Tenant
from golden.cases import load_cases


def _left_behind(media_root) -> list:
    with scopes_disabled():
        documents = list(Document.objects.values_list("original_filename", flat=True))
    files = [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []
    return [*documents, *files, *Tenant.objects.filter(slug__startswith="golden-")]


@pytest.mark.django_db
def test_one_document_meets_its_expectations_and_leaves_nothing_behind(capsys, media_root):
    (case,) = [c for c in load_cases() if c.file.startswith("001-")]
    call_command("golden", only=case.file)
    out = capsys.readouterr().out
    assert re.search(rf"^1 documents \(1 {case.group}\) in [\d.]+ s; field accuracy", out, re.M), out
    assert out.rstrip().endswith("golden: all expectations met")
    assert _left_behind(media_root) == []


@pytest.mark.django_db
def test_the_report_gives_ledger_accuracy_silent_errors_and_review_rate_and_writes_json(capsys, media_root, tmp_path):
    figures = tmp_path / "golden.json"
    call_command("golden", only="001-", json=str(figures))
    out = capsys.readouterr().out
    assert "Golden: ledger fields (the seven a posting is made of) 100.0% (7/7)" in out
    assert "review rate 0.0% (0/1); silent errors 0" in out
    data = json.loads(figures.read_text())
    assert data["documents"] == 1 and data["silent_errors"] == 0 and data["review_rate"] == 0.0
    assert set(data["per_field"]) == {"supplier_name", "supplier_vat_number", "document_number", "issue_date", "net",
                                      "vat", "gross"}  # fmt: skip


@pytest.mark.django_db
def test_the_holdout_runs_for_its_own_tenant_and_leaves_nothing_behind(capsys, media_root):
    call_command("golden", holdout=True, only="001-", json="-")
    out = capsys.readouterr().out
    assert "Holdout: ledger fields" in out and '"ledger_field_accuracy": 1.0' in out
    assert out.rstrip().endswith("golden --holdout: all thresholds met")
    assert _left_behind(media_root) == []


@pytest.mark.slow
@pytest.mark.django_db
def test_the_whole_set_meets_every_expectation_and_leaves_nothing_behind(capsys, media_root):
    cases = load_cases()
    assert len(cases) >= 40
    call_command("golden")
    out = capsys.readouterr().out
    assert re.search(rf"^{len(cases)} documents \(", out, re.M), out
    assert "VAT return of the set: " in out
    assert out.rstrip().endswith("golden: all expectations met")
    assert _left_behind(media_root) == []
