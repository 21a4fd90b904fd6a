"""Secret-scanning gate: detect-secrets (pinned 1.5.0) over every tracked file finds nothing beyond the baseline.

The baseline (.secrets.baseline, committed) lists the known false positives
(names such as ``SECRET_KEY = "secret_key"``, generated test values); a new
finding fails the gate. After reviewing a new finding as harmless, regenerate
the baseline with ``make secrets-baseline`` and commit it with the change.
"""

from __future__ import annotations

import os
import secrets
import string
import subprocess
from pathlib import Path

from detect_secrets import SecretsCollection
from detect_secrets.core import baseline as ds_baseline

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / ".secrets.baseline"


def _load_baseline() -> SecretsCollection:
    """The committed findings; loading also applies the baseline's plugins and exclusions to later scans."""
    return ds_baseline.load(ds_baseline.load_from_file(str(BASELINE)), filename=str(BASELINE))


def _scan(*files: str) -> SecretsCollection:
    found = SecretsCollection()  # paths relative to the working directory, as in the baseline
    found.scan_files(*files, num_processors=os.cpu_count() or 1)
    return found


def _tracked() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode()
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def test_no_new_secret_in_tracked_files():
    known = _load_baseline()
    cwd = Path.cwd()
    os.chdir(ROOT)  # detect-secrets keys findings by path relative to the root
    try:
        new = _scan(*_tracked()) - known
    finally:
        os.chdir(cwd)
    findings = [f"{name}:{secret.line_number} {secret.type}" for name, secret in new]
    assert findings == [], "new secrets (review, then `make secrets-baseline`): " + ", ".join(findings)


def test_the_gate_catches_a_planted_credential(tmp_path):
    """The control: the same scan, with the same settings, flags a freshly generated credential."""
    known = _load_baseline()
    key_id = "AKIA" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16))
    planted = tmp_path / "settings_local.py"
    planted.write_text(f'AWS_ACCESS_KEY_ID = "{key_id}"\nDB_PASSWORD = "{secrets.token_urlsafe(24)}"\n')
    new = _scan(str(planted)) - known  # not excused by the baseline
    types = {secret.type for _name, secret in new}
    assert {"AWS Access Key", "Secret Keyword"} <= types
