"""The coverage gate fails below the bar, for a critical file under 90%, and when the ratchet list is stale."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scripts.coverage_gate import check

ROOT = Path(__file__).resolve().parents[2]
RATCHET = {
    "overall": 85,
    "per_file": 90,
    "critical": ["apps/*/services.py", "apps/*/services/*.py", "apps/ledger/rules_engine.py"],
    "below_bar": {"apps/tenancy/services.py": 80.0},
}


def report(total: float, **files: float) -> dict:
    """A fabricated ``coverage json`` report (only the fields the gate reads)."""
    return {
        "totals": {"percent_covered": total},
        "files": {path.replace("__", "/") + ".py": {"summary": {"percent_covered": v}} for path, v in files.items()},
    }


def test_a_healthy_report_passes():
    failures, notes = check(report(91.0, apps__ledger__rules_engine=97.0, apps__tenancy__services=81.0), RATCHET)
    assert failures == []
    assert "coverage of apps/: 91.0%" in notes[0]


def test_total_below_85_fails():
    failures, _ = check(report(84.9, apps__ledger__rules_engine=97.0, apps__tenancy__services=81.0), RATCHET)
    assert failures == ["total coverage 84.9% is below 85%"]


def test_an_unlisted_critical_file_below_90_fails():
    cov = report(92.0, apps__ledger__rules_engine=89.0, apps__ledger__services__journal=70.0,
                 apps__tenancy__services=81.0, apps__ledger__views=10.0)  # fmt: skip
    failures, _ = check(cov, RATCHET)
    assert any(f.startswith("apps/ledger/rules_engine.py is at 89.0%") for f in failures)
    assert any(f.startswith("apps/ledger/services/journal.py is at 70.0%") for f in failures)
    assert not any("views" in f for f in failures)  # views are not held to the per-file bar


def test_a_listed_file_that_reaches_90_must_be_removed_from_the_list():
    failures, _ = check(report(92.0, apps__ledger__rules_engine=97.0, apps__tenancy__services=90.0), RATCHET)
    assert failures == [
        "apps/tenancy/services.py is at 90.0%, at or above 90%: remove it from the ratchet list "
        "(tests/gates/coverage_ratchet.json)"
    ]


def test_a_listed_file_may_not_fall_below_its_recorded_figure():
    failures, _ = check(report(92.0, apps__ledger__rules_engine=97.0, apps__tenancy__services=75.0), RATCHET)
    assert failures == ["apps/tenancy/services.py fell to 75.0% from the recorded 80.0% (the ratchet)"]


def test_a_listed_file_that_is_gone_must_be_removed():
    failures, _ = check(report(92.0, apps__ledger__rules_engine=97.0), RATCHET)
    assert failures == [
        "apps/tenancy/services.py is listed in the ratchet but was not measured: remove it from the list"
    ]


def test_the_command_exits_non_zero_and_says_why(tmp_path):
    cov = tmp_path / "coverage.json"
    cov.write_text(json.dumps(report(60.0, apps__ledger__rules_engine=50.0)))
    ratchet = tmp_path / "ratchet.json"
    ratchet.write_text(json.dumps({**RATCHET, "below_bar": {}}))
    result = subprocess.run([sys.executable, "scripts/coverage_gate.py", str(cov), "--ratchet", str(ratchet)],
                            cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 1
    assert "total coverage 60.0% is below 85%" in result.stderr
    assert "apps/ledger/rules_engine.py is at 50.0%" in result.stderr
    assert "coverage gate: FAILED" in result.stdout


def test_the_committed_ratchet_file_is_well_formed():
    data = json.loads((ROOT / "tests" / "gates" / "coverage_ratchet.json").read_text())
    assert data["overall"] == 85 and data["per_file"] == 90
    assert "apps/ledger/rules_engine.py" in data["critical"]
    for path, figure in data["below_bar"].items():
        assert (ROOT / path).exists(), f"{path} is listed but does not exist"
        assert figure < 90
