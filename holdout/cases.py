"""Load the holdout cases for a runner or a test: the same Case shape as golden.cases, a different folder.

The holdout has only good documents (no bad inputs, no duplicates) and its own tenant (expected/_tenant.json).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from golden.cases import Case

HOLDOUT_DIR = Path(__file__).resolve().parent


class HoldoutCase(Case):
    @property
    def path(self) -> Path:
        return HOLDOUT_DIR / "documents" / self.file

    @property
    def photo(self) -> bool:
        return bool(self.expected.get("photo"))

    def content(self) -> bytes:
        return self.path.read_bytes()


def load_cases(holdout_dir: Path = HOLDOUT_DIR) -> list[HoldoutCase]:
    cases = []
    for path in sorted((holdout_dir / "expected").glob("[0-9][0-9][0-9]-*.json")):
        data = json.loads(path.read_text())
        cases.append(HoldoutCase(data["file"], data["group"], data))
    return cases


def load_tenant(holdout_dir: Path = HOLDOUT_DIR) -> dict[str, Any]:
    return json.loads((holdout_dir / "expected" / "_tenant.json").read_text())


def thresholds(holdout_dir: Path = HOLDOUT_DIR) -> dict[str, float]:
    data = json.loads((holdout_dir / "threshold.json").read_text())
    return {k: float(data[k]) for k in ("ledger_field_accuracy", "photo_ledger_field_accuracy", "silent_errors")}
