"""Incremental mutation: only modules whose source changed are due; only finished modules are recorded."""

from __future__ import annotations

import json

import pytest

from scripts import mutation_plan

RESULTS = """
    apps.lib.a.x_f__mutmut_1: killed
    apps.lib.a.x_f__mutmut_2: survived
    apps.lib.a.x_f__mutmut_3: survived
    apps.lib.b.x_g__mutmut_1: killed
    apps.lib.b.x_g__mutmut_2: not checked
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "apps" / "lib").mkdir(parents=True)
    (tmp_path / "apps" / "lib" / "a.py").write_text("def f(): return 1\n")
    (tmp_path / "apps" / "lib" / "b.py").write_text("def g(): return 2\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "mutation.md").write_text("| `apps.lib.a.x_f__mutmut_3` | x | equivalent because |\n")
    monkeypatch.setattr(mutation_plan, "ROOT", tmp_path)
    monkeypatch.setattr(mutation_plan, "BASELINE", tmp_path / "baseline.json")
    monkeypatch.setattr(mutation_plan, "MODULES", {"apps/lib/a.py": ["tests/a"], "apps/lib/b.py": ["tests/b"]})
    monkeypatch.setattr(mutation_plan, "_commit", lambda: "abc123")
    (tmp_path / "results.txt").write_text(RESULTS)
    return tmp_path


def test_everything_is_due_without_a_record_and_a_finished_module_is_recorded(project):
    assert mutation_plan.due(mutation_plan.load()) == ["apps/lib/a.py", "apps/lib/b.py"]
    unfinished = mutation_plan.record(
        project / "results.txt", project / "docs" / "mutation.md", ["apps/lib/a.py", "apps/lib/b.py"], 12.0
    )
    assert unfinished == ["apps/lib/b.py"]  # one mutant not checked: b stays due
    entry = json.loads((project / "baseline.json").read_text())["modules"]["apps/lib/a.py"]
    assert (entry["killed"], entry["survived"], entry["equivalent"], entry["commit"]) == (1, 1, 1, "abc123")
    assert "seconds" not in entry  # two modules shared the run: no per-module time
    assert mutation_plan.due(mutation_plan.load()) == ["apps/lib/b.py"]


def test_a_changed_source_is_due_again_and_a_revert_is_not(project):
    mutation_plan.record(project / "results.txt", project / "docs" / "mutation.md", ["apps/lib/a.py"], 30.0)
    assert json.loads((project / "baseline.json").read_text())["modules"]["apps/lib/a.py"]["seconds"] == 30
    source = project / "apps" / "lib" / "a.py"
    measured = source.read_text()
    source.write_text("def f(): return 3\n")
    assert "apps/lib/a.py" in mutation_plan.due(mutation_plan.load())
    source.write_text(measured)
    assert "apps/lib/a.py" not in mutation_plan.due(mutation_plan.load())
    assert mutation_plan.due(mutation_plan.load(), everything=True) == ["apps/lib/a.py", "apps/lib/b.py"]


def test_the_report_scores_current_measurements_and_fails_on_an_unfinished_due_module(project, capsys):
    mutation_plan.record(project / "results.txt", project / "docs" / "mutation.md", ["apps/lib/a.py"], None)
    assert mutation_plan.report(40.0, pending=[]) == 0
    out = capsys.readouterr().out
    assert "mutation score: 50.0% (1 killed of 2; 1 equivalent excluded)" in out
    assert "apps/lib/b.py" in out and "not measured" in out
    assert mutation_plan.report(60.0, pending=[]) == 1  # under the minimum
    assert mutation_plan.report(40.0, pending=["apps/lib/b.py"]) == 0  # due, the budget ran out: said, not failed
    assert "NOT FINISHED within the time budget: apps/lib/b.py" in capsys.readouterr().out
    assert mutation_plan.report(40.0, pending=["apps/lib/b.py"], strict=True) == 1


def test_an_unmeasured_module_is_due_only_when_it_differs_from_the_base_commit(project, monkeypatch):
    data = {"base": "base-commit", "modules": {}}
    committed = {"apps/lib/a.py": mutation_plan.digest("apps/lib/a.py"), "apps/lib/b.py": "something else"}
    monkeypatch.setattr(
        mutation_plan, "source_at", lambda commit, path: committed[path] if commit == "base-commit" else None
    )
    assert mutation_plan.due(data) == ["apps/lib/b.py"]
    assert mutation_plan.due({"base": "unknown", "modules": {}}) == ["apps/lib/a.py", "apps/lib/b.py"]  # git cannot say


def test_unknown_modules_are_refused(project):
    with pytest.raises(SystemExit, match="not a mutated module"):
        mutation_plan.due(mutation_plan.load(), only=["apps/lib/c.py"])
