"""The record of processing (Art. 30) lists every retention category the job applies, and no other."""

from __future__ import annotations

import re

from apps.privacy.policies import CATEGORIES, policies
from tests.helpers import ROOT


def test_the_record_of_processing_names_each_retention_category():
    text = (ROOT / "docs/security/record-of-processing.md").read_text()
    named = set(re.findall(r"^\| `(\w+)` \|", text, flags=re.M))
    assert named == set(CATEGORIES)
    assert [p.category for p in policies()] == list(CATEGORIES)
    assert all(p.action in {"delete", "report"} for p in policies())
