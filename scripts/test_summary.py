#!/usr/bin/env python3
"""The one summary of ``make test-all``: each suite's counts and time, the coverage figure, the verdict.

Reads what scripts/test_all.sh left in the artefacts folder: steps.tsv (name,
exit code, seconds), junit-<suite>.xml, <step>.log (coverage, golden and
mutation figures are read from their logs). Exits 1 when any step failed.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def junit_counts(path: Path) -> str:
    if not path.exists():
        return ""
    root = ET.parse(path).getroot()  # noqa: S314 (our own pytest output)
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return f"{total - failed - skipped} passed, {failed} failed, {skipped} skipped"


def figure(log: Path, pattern: str) -> str:
    if not log.exists():
        return ""
    found = re.findall(pattern, log.read_text(errors="replace"))
    return found[-1] if found else ""


def coverage_detail(log: Path) -> str:
    total = figure(log, r"coverage of apps/: ([\d.]+%)")
    files = figure(log, r"(\d+ critical files checked[^\n]*)")
    return f"apps/ {total}; {files}" if total else ""


def chaos_detail(log: Path) -> str:  # H4: the chaos table's rows (manage.py chaos prints a Markdown table)
    text = log.read_text(errors="replace") if log.exists() else ""
    rows = re.findall(r"^\| ([\w-]+) \| (passed|deviated|failed) \|", text, re.MULTILINE)
    held = [name for name, result in rows if result == "passed"]
    other = [f"{name} {result}" for name, result in rows if result != "passed"]
    return f"{len(held)}/{len(rows)} experiments held" + (f"; {', '.join(other)}" if other else "") if rows else ""


def main(art: Path) -> int:
    rows = [line.split("\t") for line in (art / "steps.tsv").read_text().splitlines() if line.strip()]
    details = {
        "unit": lambda: junit_counts(art / "junit-unit.xml"),
        "slow": lambda: junit_counts(art / "junit-slow.xml"),
        "coverage": lambda: coverage_detail(art / "coverage.log"),
        "integration": lambda: junit_counts(art / "junit-integration.xml"),
        "golden": lambda: figure(art / "golden.log", r"(\d+ documents .*?field accuracy [\d.]+%[^\n]*)"),
        "e2e": lambda: junit_counts(art / "junit-e2e.xml"),
        "visual": lambda: junit_counts(art / "junit-visual.xml"),
        "gates": lambda: junit_counts(art / "junit-gates.xml"),
        "alert-e2e": lambda: figure(art / "alert-e2e.log", r"([^\n]*(?:passed|PASS|ok)[^\n]*)")[:90],
        "mutation": lambda: figure(art / "mutation.log", r"mutation score: ([^\n]*)"),
        "chaos": lambda: chaos_detail(art / "chaos.log"),  # H4
    }
    print()
    print("=" * 100)
    print(f"{'suite':<12} {'result':<7} {'time':>7}  details")
    print("-" * 100)
    failed = []
    total_seconds = 0
    for name, rc, seconds in rows:
        total_seconds += int(seconds)
        ok = rc == "0"
        if not ok:
            failed.append(name)
        detail = details.get(name, lambda: "")() or ""
        print(f"{name:<12} {'ok' if ok else 'FAILED':<7} {int(seconds) // 60:>3}m{int(seconds) % 60:02d}s  {detail}")
    print("-" * 100)
    verdict = "ALL PASSED" if not failed else f"FAILED: {', '.join(failed)}"
    print(f"{'total':<12} {'':<7} {total_seconds // 60:>3}m{total_seconds % 60:02d}s  {verdict}")
    print(f"artefacts: {art} (logs per suite, junit XML, screenshots/traces of failing journeys, visual diffs)")
    print("=" * 100)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
