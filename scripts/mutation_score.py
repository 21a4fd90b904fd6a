#!/usr/bin/env python3
"""Mutation score from ``mutmut results --all true``, per module and overall; fails under the minimum.

Score = (killed + timeout) / (mutants - equivalent - skipped). Mutants that
docs/mutation.md lists as equivalent (a table row naming the mutant in
backticks, with the reason) leave the denominator; every other survivor counts
against the score and is printed so it can be killed by a test or argued
equivalent in that file.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

KILLED = {"killed", "timeout"}
# "no tests" is not here: mutmut found no test that runs the mutated code, so nothing would catch the change.
# It counts as a survivor (a gap in the tests), not as work left to do.
NOT_RUN = {"skipped", "not checked", "check was interrupted by user"}


def parse_results(text: str) -> dict[str, str]:
    results = {}
    for line in text.splitlines():
        match = re.match(r"\s*([\w.]+__mutmut_\d+): (.+?)\s*$", line)
        if match:
            results[match.group(1)] = match.group(2)
    return results


def equivalents(doc: Path) -> set[str]:
    if not doc.exists():
        return set()
    return set(re.findall(r"^\|\s*`([\w.]+__mutmut_\d+)`", doc.read_text(), flags=re.M))


def module_of(mutant: str) -> str:
    return mutant.split(".x_")[0].split(".x")[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--equivalents", type=Path, required=True)
    parser.add_argument("--min", type=float, default=80.0)
    parser.add_argument(
        "--this-run", action="store_true", help="a partial run: figures of its modules only, no overall verdict"
    )
    args = parser.parse_args(argv)
    results = parse_results(args.results.read_text())
    if not results:
        print("mutation: no results (see var/mutation/run.log)", file=sys.stderr)
        return 1
    equivalent = equivalents(args.equivalents)
    run_modules = {module_of(m) for m in results}
    stale = sorted(
        m for m in equivalent - {m for m, s in results.items() if s == "survived"} if module_of(m) in run_modules
    )
    per_module: dict[str, Counter] = defaultdict(Counter)
    survivors: list[str] = []
    for mutant, status in sorted(results.items()):
        counts = per_module[module_of(mutant)]
        if status in NOT_RUN:
            counts["not run"] += 1
        elif mutant in equivalent and status == "survived":
            counts["equivalent"] += 1
        elif status in KILLED:
            counts["killed"] += 1
            counts["timeout"] += status == "timeout"
        else:
            counts["survived"] += 1
            survivors.append(mutant)
    total = Counter()
    print("module                                   killed (timeouts)  survived  equivalent  not run   score")
    for module, c in sorted(per_module.items()):
        total.update(c)
        scored = c["killed"] + c["survived"]
        score = 100.0 * c["killed"] / scored if scored else 100.0
        print(f"{module:<40} {c['killed']:>6} ({c['timeout']:>4})  {c['survived']:>8}  {c['equivalent']:>10}"
              f"  {c['not run']:>7}  {score:5.1f}%")  # fmt: skip
    scored = total["killed"] + total["survived"]
    score = 100.0 * total["killed"] / scored if scored else 0.0
    for mutant in survivors:
        print(f"  survived: {mutant}   (mutmut show {mutant})")
    for mutant in stale:
        print(f"  listed as equivalent but not a survivor now: {mutant} (remove it from docs/mutation.md)")
    label = "this run's mutants" if args.this_run else "mutation score"
    print(f"{label}: {score:.1f}% ({total['killed']} killed of {scored}; {total['equivalent']} equivalent "
          f"excluded; {total['not run']} not run); minimum {args.min:.0f}%")  # fmt: skip
    return 0 if score >= args.min and not total["not run"] else 1


if __name__ == "__main__":
    sys.exit(main())
