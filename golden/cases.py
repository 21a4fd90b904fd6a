"""Load the golden cases (expected files and their documents) for a runner or a test.

``load_cases()`` returns every case in file order; ``Case.content()`` reads the
document's bytes, writing the on-demand oversized file under var/golden/ the
first time it is needed (it is never committed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GOLDEN_DIR = Path(__file__).resolve().parent
ROOT = GOLDEN_DIR.parent


@dataclass(frozen=True)
class Case:
    file: str
    group: str  # good, bad_input, duplicate
    expected: dict[str, Any]

    @property
    def own_names(self) -> list[str]:
        return list(self.expected.get("own_names", []))

    @property
    def own_vat_numbers(self) -> list[str]:
        return list(self.expected.get("own_vat_numbers", []))

    @property
    def path(self) -> Path:
        on_demand = self.expected.get("on_demand")
        return ROOT / on_demand["path"] if on_demand else GOLDEN_DIR / "documents" / self.file

    def content(self) -> bytes:
        if self.expected.get("on_demand") and not self.path.exists():
            from golden.generate import ensure_oversized

            ensure_oversized()
        return self.path.read_bytes()


def load_cases(golden_dir: Path = GOLDEN_DIR, *, group: str | None = None) -> list[Case]:
    cases = []
    for path in sorted((golden_dir / "expected").glob("[0-9][0-9][0-9]-*.json")):
        data = json.loads(path.read_text())
        if group is None or data["group"] == group:
            cases.append(Case(data["file"], data["group"], data))
    return cases


def load_trial_balance(golden_dir: Path = GOLDEN_DIR) -> dict[str, Any]:
    return json.loads((golden_dir / "expected" / "_trial_balance.json").read_text())


def load_vat_return(golden_dir: Path = GOLDEN_DIR) -> dict[str, Any]:
    return json.loads((golden_dir / "expected" / "_vat_return.json").read_text())


def threshold(golden_dir: Path = GOLDEN_DIR) -> float:
    return float(json.loads((golden_dir / "threshold.json").read_text())["field_accuracy"])
