"""The map in the repository matches the tree: every app is in docs/architecture.md, .importlinter and the README."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
APPS = sorted(p.name for p in (ROOT / "apps").iterdir() if (p / "__init__.py").exists())


def _layout_block(text: str) -> str:
    return text.split("## Layout", 1)[1].split("## ", 1)[0]


def test_every_app_is_in_the_architecture_map_layout():
    layout = _layout_block((ROOT / "docs/architecture.md").read_text())
    listed = set(re.findall(r"^  (\w+)/", layout, flags=re.M))
    assert listed == set(APPS), f"docs/architecture.md layout lists {sorted(listed)}, the tree has {APPS}"


def test_every_app_is_in_a_layer_of_the_import_contract():
    contract = (ROOT / ".importlinter").read_text().split("[importlinter:contract:layers]", 1)[1].split("[", 1)[0]
    layered = set(re.findall(r"apps\.(\w+)", contract))
    assert layered == set(APPS)


def test_the_readme_layout_names_every_app():
    layout = _layout_block((ROOT / "README.md").read_text())
    missing = [app for app in APPS if f"`{app}`" not in layout]
    assert missing == [], f"README's Layout section does not name {missing}"


def test_every_app_with_models_or_pages_is_installed():
    installed = {a.removeprefix("apps.") for a in settings.INSTALLED_APPS if a.startswith("apps.")}
    assert installed == set(APPS) - {"core"}  # core is plain code, not a Django app
