"""The two top-layer apps are imported by nothing: the product runs without the dev tools, and no product app
reaches into the staff console (config/ mounts and installs them; that is all)."""

from __future__ import annotations

import re

import pytest

from tests.helpers import ROOT


@pytest.mark.parametrize("app", ["devtools", "staff_console"])
def test_no_other_app_imports_it(app):
    pattern = re.compile(rf"^\s*(from|import)\s+apps\.{app}\b", re.MULTILINE)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "apps").rglob("*.py")
        if path.parts[len(ROOT.parts) + 1] != app and pattern.search(path.read_text())
    ]
    assert offenders == []
