#!/usr/bin/env python3
"""Coverage gate: apps/ overall and a per-file ratchet for the code that moves money and decides.

    python scripts/coverage_gate.py COVERAGE_JSON [--ratchet tests/gates/coverage_ratchet.json]

COVERAGE_JSON is ``coverage json`` output. Fails (exit 1, saying why) when:

- the total is below ``overall`` (85%);
- a *critical* file (any ``services`` module, the rules engine, the VAT
  computation) is below ``per_file`` (90%) and is not listed in the ratchet;
- a listed file is below the figure recorded for it (the ratchet only turns one way);
- a listed file has reached ``per_file`` or no longer exists: it must be removed
  from the list (so the list only ever shrinks).

Standard library only, so it runs anywhere the JSON does.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
from pathlib import Path

DEFAULT_RATCHET = Path(__file__).resolve().parents[1] / "tests" / "gates" / "coverage_ratchet.json"


def is_critical(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(path, pattern) for pattern in patterns)


def check(coverage: dict, ratchet: dict) -> tuple[list[str], list[str]]:
    """(failures, notes) for a coverage JSON report and the ratchet configuration."""
    overall_bar = float(ratchet["overall"])
    bar = float(ratchet["per_file"])
    listed: dict[str, float] = {k: float(v) for k, v in ratchet.get("below_bar", {}).items()}
    patterns: list[str] = ratchet["critical"]
    files = {path.replace("\\", "/"): data["summary"]["percent_covered"] for path, data in coverage["files"].items()}
    total = float(coverage["totals"]["percent_covered"])
    failures: list[str] = []
    notes = [f"coverage of apps/: {total:.1f}% (bar {overall_bar:.0f}%)"]
    if total < overall_bar:
        failures.append(f"total coverage {total:.1f}% is below {overall_bar:.0f}%")
    critical = sorted(p for p in files if is_critical(p, patterns))
    for path in critical:
        figure = files[path]
        if path in listed:
            recorded = listed[path]
            if figure >= bar:
                failures.append(
                    f"{path} is at {figure:.1f}%, at or above {bar:.0f}%: remove it from the ratchet list "
                    "(tests/gates/coverage_ratchet.json)"
                )
            elif figure + 0.2 < recorded:  # 0.2: rounding of the recorded figure and run-to-run noise
                failures.append(f"{path} fell to {figure:.1f}% from the recorded {recorded:.1f}% (the ratchet)")
            else:
                notes.append(f"{path}: {figure:.1f}% (listed at {recorded:.1f}%, bar {bar:.0f}%)")
        elif figure < bar:
            failures.append(f"{path} is at {figure:.1f}%, below {bar:.0f}% for services, rules engine and VAT code")
    for path in sorted(set(listed) - set(files)):
        failures.append(f"{path} is listed in the ratchet but was not measured: remove it from the list")
    notes.append(f"{len(critical)} critical files checked at {bar:.0f}% ({len(listed)} listed below the bar)")
    return failures, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("coverage_json", type=Path)
    parser.add_argument("--ratchet", type=Path, default=DEFAULT_RATCHET)
    args = parser.parse_args(argv)
    failures, notes = check(json.loads(args.coverage_json.read_text()), json.loads(args.ratchet.read_text()))
    for note in notes:
        print(f"  {note}")
    for failure in failures:
        print(f"  ✗ {failure}", file=sys.stderr)
    print("coverage gate: " + ("FAILED" if failures else "passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
