"""Every permission named in the code (views, services, templates) is a row of the policy, and every row is used."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from apps.permissions.policy import PERMISSIONS

ROOT = Path(__file__).resolve().parents[2]
ASKERS = {"require", "check", "refusal", "permission_required_for", "has_perm"}


def _named_in_python() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / "apps").rglob("*.py"):
        if "migrations" in path.parts or path.parts[-2:] == ("permissions", "policy.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in ASKERS:
                continue
            for arg in ast.walk(node):
                if (
                    isinstance(arg, ast.Constant)
                    and isinstance(arg.value, str)
                    and re.fullmatch(r"\w+\.\w+", arg.value)
                ):
                    found.setdefault(arg.value, set()).add(str(path.relative_to(ROOT)))
    return found


def _named_in_templates() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in list((ROOT / "apps").rglob("*.html")) + list((ROOT / "templates").rglob("*.html")):
        for perm in re.findall(r"{%\s*has_perm\s+\"([\w.]+)\"", path.read_text()):
            found.setdefault(perm, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_permission_asked_for_is_in_the_policy():
    asked = _named_in_python() | _named_in_templates()
    unknown = {perm: sorted(where) for perm, where in asked.items() if perm not in PERMISSIONS}
    assert unknown == {}, "asked for, but not declared in apps/permissions/policy.py"


def test_every_permission_of_the_policy_is_asked_for_somewhere():
    asked = set(_named_in_python()) | set(_named_in_templates())
    unused = sorted(set(PERMISSIONS) - asked)
    assert unused == [], "declared in the policy but never checked: remove it or check it"
