#!/usr/bin/env python3
"""Incremental mutation testing: which modules need a run, and the committed record of the last results.

    python scripts/mutation_plan.py plan [--all] [--only PATH ...]
    python scripts/mutation_plan.py record --results RESULTS --equivalents docs/mutation.md --run PATH ...
    python scripts/mutation_plan.py report --min 80 [--pending PATH ...] [--strict]
    python scripts/mutation_plan.py set-base [COMMIT]   (after a merge that rewrote history; default HEAD)

``tests/gates/mutation_baseline.json`` records, per mutated module, the SHA-256 of the source it was measured
on, its counts and when, and a ``base`` commit. ``plan`` prints the modules whose source differs from their
record, and the unrecorded modules whose source differs from the base commit's: only those need mutmut.
``record`` folds a mutmut run into the record, module by module, but only for modules
whose every mutant was checked (a run cut short by the time budget leaves the rest for next time). ``report``
prints every module's latest figures and the overall score; it fails under the minimum, and with ``--strict``
also when a module that was due did not finish in the time budget.

Why a content hash for measured modules rather than a diff against a commit: it needs no git history and a
revert to measured code needs no run. Unmeasured modules are compared with the base commit (``git show``);
when git cannot say, they are due. The runner tests are not hashed: a new test can only kill more mutants,
and the next change to the module measures again. Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutation_score import KILLED, NOT_RUN, equivalents, module_of, parse_results

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "tests" / "gates" / "mutation_baseline.json"
# Mutated modules and the tests that run against their mutants (SQLite, no services).
FILING_TESTS = [
    "tests/filing/test_boxes.py",
    "tests/filing/test_domain.py",
    "tests/filing/test_calculation.py",
    "tests/filing/test_golden_vat.py",
    "tests/filing/test_return_blockers_words.py",
    "tests/filing/test_error_corrections.py",  # the correction limits live in calculation.py too
]
MODULES: dict[str, list[str]] = {
    "apps/ledger/rules_engine.py": ["tests/ledger"],
    "apps/ledger/vat.py": ["tests/ledger"],
    "apps/ledger/services/journal.py": ["tests/ledger"],
    "apps/filing/boxes.py": FILING_TESTS,
    "apps/filing/domain.py": FILING_TESTS,
    "apps/filing/calculation.py": FILING_TESTS,
}


def digest(path: str) -> str:
    return hashlib.sha256((ROOT / path).read_bytes()).hexdigest()


def dotted(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def load() -> dict:
    if BASELINE.exists():
        return json.loads(BASELINE.read_text())
    return {"modules": {}}


def save(data: dict) -> None:
    data["modules"] = dict(sorted(data["modules"].items()))
    BASELINE.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def source_at(commit: str, path: str) -> str | None:
    """SHA-256 of ``path`` as committed in ``commit``, or None when git cannot say."""
    git = shutil.which("git") or "git"
    try:
        out = subprocess.run([git, "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, check=True)  # noqa: S603
    except (OSError, subprocess.CalledProcessError):
        return None
    return hashlib.sha256(out.stdout).hexdigest()


def changed(data: dict, module: str) -> bool:
    entry = data["modules"].get(module)
    if entry is not None:
        return entry["sha256"] != digest(module)
    base = data.get("base")
    return not base or source_at(base, module) != digest(module)


def due(data: dict, *, everything: bool = False, only: list[str] | None = None) -> list[str]:
    """Modules changed since they were measured, or since the base commit (all of them with ``everything``)."""
    chosen = only or list(MODULES)
    unknown = sorted(set(chosen) - set(MODULES))
    if unknown:
        raise SystemExit(f"not a mutated module: {', '.join(unknown)} (known: {', '.join(MODULES)})")
    return [m for m in chosen if everything or changed(data, m)]


def tests_for(modules: list[str]) -> list[str]:
    tests: list[str] = []
    for module in modules:
        tests.extend(t for t in MODULES[module] if t not in tests)
    return tests


def counts_by_module(results: dict[str, str], equivalent: set[str]) -> dict[str, Counter]:
    per: dict[str, Counter] = {}
    for mutant, status in results.items():
        c = per.setdefault(module_of(mutant), Counter())
        if status in NOT_RUN:
            c["not run"] += 1
        elif mutant in equivalent and status == "survived":
            c["equivalent"] += 1
        elif status in KILLED:
            c["killed"] += 1
        else:
            c["survived"] += 1
    return per


def _commit() -> str:
    try:
        git = shutil.which("git") or "git"
        out = subprocess.run([git, "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)  # noqa: S603
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def record(results_path: Path, equivalents_path: Path, run: list[str], seconds: float | None) -> list[str]:
    """Fold finished modules into the record; return the modules of ``run`` that did not finish."""
    data = load()
    per = counts_by_module(parse_results(results_path.read_text()), equivalents(equivalents_path))
    unfinished = []
    today = dt.date.today().isoformat()
    for module in run:
        c = per.get(dotted(module))
        if c is None or c["not run"]:
            unfinished.append(module)
            continue
        entry = {
            "sha256": digest(module),
            "commit": _commit(),
            "measured": today,
            "killed": c["killed"],
            "survived": c["survived"],
            "equivalent": c["equivalent"],
        }
        if seconds is not None and len(run) == 1:
            entry["seconds"] = round(seconds)
        data["modules"][module] = entry
    save(data)
    return unfinished


def score(c: dict) -> float:
    scored = c["killed"] + c["survived"]
    return 100.0 * c["killed"] / scored if scored else 100.0


def report(minimum: float, pending: list[str], *, strict: bool = False) -> int:
    data = load()
    print("module (latest measurement)               killed  survived  equivalent   score  measured")
    total = Counter()
    missing = []
    for module in MODULES:
        entry = data["modules"].get(module)
        if entry is None or entry.get("sha256") != digest(module):
            missing.append(module)
            label = "not measured yet" if entry is None else f"stale (measured {entry['measured']}, source changed)"
            print(f"{module:<40} {label}")
            continue
        total.update({k: entry[k] for k in ("killed", "survived", "equivalent")})
        print(
            f"{module:<40} {entry['killed']:>6}  {entry['survived']:>8}  {entry['equivalent']:>10}  "
            f"{score(entry):5.1f}%  {entry['measured']}"
        )
    overall = score(total)
    print(
        f"mutation score: {overall:.1f}% ({total['killed']} killed of {total['killed'] + total['survived']}; "
        f"{total['equivalent']} equivalent excluded) over the modules measured at their current source; "
        f"minimum {minimum:.0f}%"
    )
    late = [m for m in pending if m in missing]
    if late:
        print(f"mutation: NOT FINISHED within the time budget: {', '.join(late)} (run make mutation and commit "
              f"{BASELINE.relative_to(ROOT)})")  # fmt: skip
    elif missing:
        print(f"mutation: no current measurement for {', '.join(missing)} (run make mutation)")
    return 0 if overall >= minimum and not (strict and late) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    plan = sub.add_parser("plan", help="print the modules to mutate, then a line with their tests")
    plan.add_argument("--all", action="store_true")
    plan.add_argument("--only", nargs="*", default=None)
    rec = sub.add_parser("record")
    rec.add_argument("--results", type=Path, required=True)
    rec.add_argument("--equivalents", type=Path, required=True)
    rec.add_argument("--run", nargs="+", required=True)
    rec.add_argument("--seconds", type=float, default=None)
    rep = sub.add_parser("report")
    rep.add_argument("--min", type=float, default=80.0)
    rep.add_argument("--pending", nargs="*", default=[])
    rep.add_argument("--strict", action="store_true", help="fail when a due module did not finish")
    base = sub.add_parser("set-base", help="record COMMIT (default HEAD) as the base for unmeasured modules")
    base.add_argument("commit", nargs="?", default="HEAD")
    args = parser.parse_args(argv)
    if args.command == "set-base":
        data = load()
        git = shutil.which("git") or "git"
        resolved = subprocess.run([git, "rev-parse", args.commit], cwd=ROOT, capture_output=True, text=True, check=True)  # noqa: S603
        data["base"] = resolved.stdout.strip()
        save(data)
        print(f"base: {data['base']}")
        return 0
    if args.command == "plan":
        modules = due(load(), everything=args.all, only=args.only)
        print(" ".join(modules))
        print(" ".join(tests_for(modules)))
        return 0
    if args.command == "record":
        unfinished = record(args.results, args.equivalents, args.run, args.seconds)
        print(" ".join(unfinished))
        return 0
    return report(args.min, args.pending, strict=args.strict)


if __name__ == "__main__":
    sys.exit(main())
