"""The lock files agree with their sources (docs/decisions/0015-locked-dependencies-and-test-tiers.md).

requirements.in / requirements-dev.in name the direct dependencies, pinned; `make lock` compiles them into
requirements.txt / requirements-dev.txt with every transitive package pinned and hashed, which the Makefile
installs with `pip install --require-hashes`. These checks catch a .in edited without re-running `make lock`,
a hand edit of a .txt, and a dev lock that would install different runtime versions than production.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _sources(path: Path) -> dict[str, str]:
    """Direct pins of a .in file, following its `-r` includes (`-c` constraints are not requirements)."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-c"):
            continue
        if line.startswith("-r"):
            pins.update(_sources(path.parent / line[2:].strip()))
            continue
        match = PIN.match(line)
        assert match, f"{path.name}: {line!r} is not pinned with =="
        pins[_name(match[1])] = match[3]
    return pins


def _lock(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of a compiled lock file."""
    entries: dict[str, tuple[str, int]] = {}
    current = None
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line.startswith(" "):
            match = PIN.match(stripped)
            assert match, f"{path.name}: {stripped!r} is not pinned with =="
            current = _name(match[1])
            entries[current] = (match[3], 0)
        elif stripped.startswith("--hash=sha256:") and current:
            version, hashes = entries[current]
            entries[current] = (version, hashes + 1)
    return entries


@pytest.mark.parametrize(
    ("source", "lock"), [("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt")]
)
def test_every_direct_pin_is_locked_at_the_same_version(source, lock):
    wanted = _sources(ROOT / source)
    locked = _lock(ROOT / lock)
    assert {name: locked.get(name, ("missing", 0))[0] for name in wanted} == wanted, "run `make lock`"


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-dev.txt"])
def test_every_locked_package_carries_a_hash(lock):
    locked = _lock(ROOT / lock)
    assert len(locked) > 20
    assert [name for name, (_, hashes) in locked.items() if hashes == 0] == []


def test_the_dev_lock_installs_the_runtime_lock_unchanged():
    runtime = {name: version for name, (version, _) in _lock(ROOT / "requirements.txt").items()}
    dev = {name: version for name, (version, _) in _lock(ROOT / "requirements-dev.txt").items()}
    assert {name: dev.get(name) for name in runtime} == runtime


def test_the_layer_linter_is_locked_for_development_only():
    assert "import-linter" in _lock(ROOT / "requirements-dev.txt")
    assert "import-linter" not in _lock(ROOT / "requirements.txt")


def test_the_makefile_installs_only_hashed_packages():
    makefile = (ROOT / "Makefile").read_text()
    installs = [line.strip() for line in makefile.splitlines() if re.search(r"pip install\b.*-r requirements", line)]
    assert installs and all("--require-hashes" in line for line in installs)
