"""Every audit action the code records has words for the pages people read."""

from __future__ import annotations

import re
from pathlib import Path

from apps.audit.labels import LABELS

ROOT = Path(__file__).resolve().parents[2]
ACTION = re.compile(r'record_event\(\s*(?:action=)?\s*"([a-z_0-9]+\.[a-z_0-9]+\.[a-z_0-9]+)"')


def test_every_recorded_action_has_a_label():
    recorded = {m.group(1) for path in (ROOT / "apps").rglob("*.py") for m in ACTION.finditer(path.read_text())}
    assert len(recorded) > 50
    assert sorted(recorded - set(LABELS)) == []
