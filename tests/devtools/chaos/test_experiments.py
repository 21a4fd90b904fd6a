"""The experiments of deploy/chaos/ and the runner's judgement of a journal (no stack is started here)."""

from __future__ import annotations

import importlib
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.devtools.chaos import runner
from apps.devtools.chaos.stack import StackState

DONE_WHEN = {"worker-kill", "redis-restart", "postgres-restart", "hmrc-outage", "latency"}


def test_the_short_set_is_the_five_experiments_of_the_issue():
    assert {e.name for e in runner.select(None, full=False)} == DONE_WHEN
    assert {e.name for e in runner.select(None, full=True)} > DONE_WHEN


@pytest.mark.parametrize("name", sorted(runner.experiments()))
def test_each_experiment_has_hypothesis_method_rollback_and_real_functions(name):
    doc = json.loads(runner.experiments()[name].path.read_text())
    assert doc["steady-state-hypothesis"]["probes"] and doc["method"] and doc["rollbacks"]
    probes = {p["provider"]["func"] for p in doc["steady-state-hypothesis"]["probes"]}
    assert {"drained_without_loss", "health_green"} <= probes
    for activity in doc["steady-state-hypothesis"]["probes"] + doc["method"] + doc["rollbacks"]:
        provider = activity["provider"]
        assert provider["type"] == "python"
        assert callable(getattr(importlib.import_module(provider["module"]), provider["func"])), activity["name"]
    assert doc["method"][0]["provider"]["func"] == "seed"  # every experiment brings its own businesses


def test_chaos_toolkit_validates_every_experiment(tmp_path):
    chaos = Path(runner.sys.executable).with_name("chaos")
    env = {**runner.os.environ, "PYTHONPATH": str(runner.settings.BASE_DIR)}
    for experiment in runner.experiments().values():
        command = [str(chaos), "--no-version-check", "--settings", str(tmp_path / "s.yaml"), "--log-file",
                   str(tmp_path / "log"), "validate", str(experiment.path)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, cwd=runner.settings.BASE_DIR, env=env)
        assert done.returncode == 0, f"{experiment.name}: {done.stdout[-1500:]}{done.stderr[-1500:]}"


def _judge(tmp_path, monkeypatch, journal: dict, figures: dict) -> runner.Result:
    home = tmp_path / "stack"
    home.mkdir(exist_ok=True)

    def fake_chaos_run(command, **kwargs):
        Path(command[command.index("--journal-path") + 1]).write_text(json.dumps(journal))
        (home / "figures.json").write_text(json.dumps(figures))
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(runner.subprocess, "run", fake_chaos_run)
    stack = runner.ChaosStack(StackState(home=str(home)))
    experiment = runner.experiments()["latency"]
    return runner.run_one(stack, experiment, journal_dir=tmp_path / "journals", short=True)


RAN = [{"activity": {"name": "seed"}, "status": "succeeded"}]
LOADED = {"documents": 8, "returns": 4, "lost": 0, "duplicated": 0, "drain_seconds": 12.5}


def test_a_completed_journal_with_load_and_no_deviation_passes(tmp_path, monkeypatch):
    result = _judge(tmp_path, monkeypatch, {"status": "completed", "deviated": False, "run": RAN}, LOADED)
    assert (result.status, result.row) == ("passed", ("latency", "passed", "0", "0", "12.5"))


def test_a_deviated_journal_is_reported_with_its_figures(tmp_path, monkeypatch):
    figures = {**LOADED, "lost": 3, "drain_seconds": None}
    result = _judge(tmp_path, monkeypatch, {"status": "completed", "deviated": True, "run": RAN}, figures)
    assert result.row == ("latency", "deviated", "3", "0", "not drained")


def test_a_failed_action_or_a_load_that_never_arrived_is_never_a_pass(tmp_path, monkeypatch):
    broken = [{"activity": {"name": "seed"}, "status": "failed"}]
    result = _judge(tmp_path, monkeypatch, {"status": "completed", "deviated": False, "run": broken}, LOADED)
    assert result.status == "failed" and result.figures["broken_activities"] == ["seed"]
    empty = {**LOADED, "documents": 0, "returns": 0}
    result = _judge(tmp_path, monkeypatch, {"status": "completed", "deviated": False, "run": RAN}, empty)
    assert result.status == "failed"


def test_the_table_is_markdown():
    now = datetime.now(UTC)
    table = runner.table([runner.Result("latency", "short", now, now, "passed", False, LOADED)])
    assert table.splitlines()[0] == "| Experiment | Result | Lost | Duplicated | Drain (s) |"
    assert table.splitlines()[2] == "| latency | passed | 0 | 0 | 12.5 |"


def test_the_command_lists_and_refuses_an_unknown_experiment(capsys):
    call_command("chaos", "--list")
    listed = capsys.readouterr().out
    assert all(name in listed for name in DONE_WHEN)
    with pytest.raises(CommandError, match="unknown experiment"):
        call_command("chaos", "--experiment", "no-such-thing")


def test_the_weekly_task_runs_the_full_set_and_reports_a_deviation_as_a_result(monkeypatch):
    from apps.devtools import tasks

    calls = []

    def deviated(*args):
        calls.append(args)
        raise CommandError("not every experiment held")

    monkeypatch.setattr(tasks, "call_command", deviated)
    assert tasks.run_chaos_experiments.run() is False
    assert calls == [("chaos", "--full")]


def test_the_ci_summary_reads_the_chaos_table(tmp_path):
    from scripts.test_summary import chaos_detail

    now = datetime.now(UTC)
    results = [runner.Result("latency", "short", now, now, "passed", False, LOADED),
               runner.Result("worker-kill", "short", now, now, "deviated", True, {**LOADED, "lost": 1})]  # fmt: skip
    (tmp_path / "chaos.log").write_text("chaos: 2 experiment(s)\n\n" + runner.table(results) + "\n")
    assert chaos_detail(tmp_path / "chaos.log") == "1/2 experiments held; worker-kill deviated"
    assert chaos_detail(tmp_path / "missing.log") == ""
