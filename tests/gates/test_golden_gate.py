"""``manage.py golden`` fails when the diff goes beyond its threshold: run it on a perturbed copy of the expectations.

The copy lives in a temporary folder; the command reads it through
golden.cases' loaders (patched to point there), and the documents are the
real golden files. One born-digital document keeps it quick.
"""

from __future__ import annotations

import functools
import json
import shutil

import pytest
from django.core.management import CommandError, call_command

import golden.cases
from golden.cases import GOLDEN_DIR

pytestmark = pytest.mark.django_db
DOC = "001-quillfeather-invoice"


@pytest.fixture
def golden_copy(tmp_path, monkeypatch):
    copy = tmp_path / "golden"
    (copy / "expected").mkdir(parents=True)
    shutil.copy(GOLDEN_DIR / "threshold.json", copy / "threshold.json")
    for path in (GOLDEN_DIR / "expected").glob("*.json"):
        shutil.copy(path, copy / "expected" / path.name)
    for name in ("load_cases", "load_trial_balance", "threshold"):
        monkeypatch.setattr(golden.cases, name, functools.partial(getattr(golden.cases, name), copy))
    return copy


def perturb(copy, mutate) -> None:
    path = copy / "expected" / f"{DOC}.json"
    data = json.loads(path.read_text())
    mutate(data)
    path.write_text(json.dumps(data))


def test_unperturbed_copy_passes(golden_copy, capsys):
    call_command("golden", only=DOC)
    assert "golden: all expectations met" in capsys.readouterr().out


def test_a_wrong_expected_field_takes_accuracy_below_the_threshold(golden_copy, capsys):
    def wrong_figures(data):
        data["extraction"]["gross"] = "999.99"
        data["extraction"]["supplier_name"] = "Someone Else Entirely Ltd"

    perturb(golden_copy, wrong_figures)
    with pytest.raises(CommandError, match=r"field accuracy .* is below the threshold 99\.0%"):
        call_command("golden", only=DOC)
    out = capsys.readouterr().out
    assert "999.99" in out  # the diff names what differs


def test_a_different_expected_posting_fails(golden_copy):
    def other_account(data):
        data["classification"]["account_code"] = "473"

    perturb(golden_copy, other_account)
    with pytest.raises(CommandError, match="expectation"):
        call_command("golden", only=DOC)


def test_a_raised_threshold_fails_a_run_that_passed(golden_copy):
    (golden_copy / "threshold.json").write_text(json.dumps({"field_accuracy": 1.01}))
    with pytest.raises(CommandError, match="below the threshold"):
        call_command("golden", only=DOC)
