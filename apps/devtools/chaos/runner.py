"""Run the chaos experiments of deploy/chaos/ against a stack of their own and keep the results.

``run()`` starts one stack for the whole series (each experiment seeds its own
businesses, and every rollback brings every process back), calls ``chaos run``
per experiment with the stack's environment, reads the journal and the
figures the steady-state probe wrote, and returns one ``Result`` each. The
management command stores them (``apps.monitors.chaos``) and prints the table.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from apps.devtools.chaos.stack import PORT_BASE, ChaosStack

EXPERIMENTS_DIR = Path(settings.BASE_DIR) / "deploy" / "chaos"
# The short set (CI every time): the five experiments of issue #17's "done when", with shorter faults; the drain
# bound stays the steady state's 5 minutes (a drained backlog ends the wait at once).
SHORT_OVERRIDES = {"CHAOS_FAULT_SECONDS": "15", "CHAOS_DRAIN_TIMEOUT": "300"}
STACK_HOME = Path(os.environ.get("CHAOS_STACK_HOME", f"/tmp/strongroom-chaos-{PORT_BASE}"))  # noqa: S108 (ours)


@dataclass
class Experiment:
    name: str
    path: Path
    tier: str
    title: str


@dataclass
class Result:
    experiment: str
    tier: str
    started_at: datetime
    finished_at: datetime
    status: str  # passed | deviated | failed
    deviated: bool
    figures: dict = field(default_factory=dict)
    journal: dict = field(default_factory=dict)
    journal_path: str = ""

    @property
    def row(self) -> tuple[str, str, str, str, str]:
        drain = self.figures.get("drain_seconds")
        return (
            self.experiment,
            self.status,
            str(self.figures.get("lost", "-")),
            str(self.figures.get("duplicated", "-")),
            f"{drain:.1f}" if isinstance(drain, int | float) else "not drained",
        )


def experiments() -> dict[str, Experiment]:
    found = {}
    for path in sorted(EXPERIMENTS_DIR.glob("*.json")):
        doc = json.loads(path.read_text())
        tier = "short" if "short" in doc.get("tags", []) else "full"
        found[path.stem] = Experiment(path.stem, path, tier, doc["title"])
    return found


def select(names: list[str] | None, *, full: bool) -> list[Experiment]:
    known = experiments()
    if names:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise KeyError(f"unknown experiment(s): {', '.join(unknown)}; known: {', '.join(known)}")
        return [known[n] for n in names]
    return [e for e in known.values() if full or e.tier == "short"]


def _stop_on_term(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")  # the finally below stops the stack


def run(
    chosen: list[Experiment], *, journal_dir: Path, short: bool, keep_stack: bool = False, log=print
) -> list[Result]:
    """Start the stack, run each experiment, stop the stack (unless ``keep_stack``)."""
    journal_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _stop_on_term)
    stack = ChaosStack.create(STACK_HOME)
    results = []
    stopping = threading.Event()
    try:
        stack.start()
        log(f"stack up in {time.monotonic() - started:.0f} s ({STACK_HOME})")
        threading.Thread(target=_supervise, args=(stack, stopping), daemon=True).start()
        for experiment in chosen:
            results.append(run_one(stack, experiment, journal_dir=journal_dir, short=short))
            log("  ".join(results[-1].row))
    finally:
        stopping.set()
        if not keep_stack:
            stack.stop()
    return results


def _supervise(stack: ChaosStack, stopping: threading.Event) -> None:
    """The restart policy of the deployment, for the whole series (a crash is reported, and then survived)."""
    while not stopping.wait(2.0):
        try:
            stack.supervise_once()
        except Exception as exc:  # a process that will not start is seen by the probes
            (Path(stack.info.home) / "supervisor-error.txt").write_text(repr(exc))


def run_one(stack: ChaosStack, experiment: Experiment, *, journal_dir: Path, short: bool) -> Result:
    home = Path(stack.info.home)
    journal_dir.mkdir(parents=True, exist_ok=True)
    for name in ("load.json", "marks.json", "figures.json", "restarts.json", "health.json"):
        (home / name).unlink(missing_ok=True)
    stamp = datetime.now(UTC)
    journal_path = journal_dir / f"{stamp:%Y%m%dT%H%M%S}-{experiment.name}.json"
    env = {**stack.info.env(), "PYTHONPATH": str(settings.BASE_DIR), **(SHORT_OVERRIDES if short else {})}
    chaos = Path(sys.executable).with_name("chaos")
    command = [str(chaos), "--no-version-check", "--settings", str(home / "chaostoolkit-settings.yaml"),
               "--log-file", str(journal_path.with_suffix(".log")), "run", "--journal-path", str(journal_path),
               "--rollback-strategy", "always", str(experiment.path)]  # fmt: skip
    done = subprocess.run(command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)  # noqa: S603
    finished = datetime.now(UTC)
    journal = json.loads(journal_path.read_text()) if journal_path.exists() else {}
    figures_file = home / "figures.json"
    figures = json.loads(figures_file.read_text()) if figures_file.exists() else {}
    deviated = bool(journal.get("deviated"))
    status = journal.get("status")
    broken = [a["activity"]["name"] for a in journal.get("run", []) if a.get("status") != "succeeded"]
    if broken or not (figures.get("documents") or figures.get("returns")):
        # An action that failed (or a load that never arrived) proves nothing: never a pass.
        status = "failed"
        figures["broken_activities"] = broken
    if status == "completed" and not deviated:
        outcome = "passed"
    elif deviated:
        outcome = "deviated"
    else:
        outcome = "failed"
        figures.setdefault("error", (done.stderr or done.stdout)[-1500:] or "an activity failed: see the journal")
    return Result(experiment.name, experiment.tier, stamp, finished, outcome, deviated, figures, journal,
                  str(journal_path))  # fmt: skip


def table(results: list[Result]) -> str:
    """A Markdown table (the README's, and what CI prints)."""
    lines = ["| Experiment | Result | Lost | Duplicated | Drain (s) |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(r.row) + " |" for r in results]
    return "\n".join(lines)
