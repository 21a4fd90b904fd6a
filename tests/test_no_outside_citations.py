"""No comment, docstring or page cites a document a newcomer cannot open.

The facts the code relies on are summarised under docs/contracts/ with links to their public
sources; a citation of private research notes ("spec §3.4", a path into a shared folder outside
the repository) would point nowhere. Public section references such as "RFC 6749 §4.1.2" are fine.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ["apps", "tests", "templates", "config", "docs", "scripts", "README.md", "Makefile"]
SUFFIXES = {".py", ".md", ".html", ".txt", ".sh", ".yml", ".yaml", ".toml", ".cfg", ".js", ".css", ".json", ""}
# "spec" then a section sign, however spaced ("spec §3", "security spec §5.1", "Spec §8"); a path into
# the shared research folder or the engineers' task briefs, neither of which ships with the repository.
FORBIDDEN = re.compile(r"spec\s*§|\.\./shared|shared/specs|(?<![\w/.])briefs/|^/work/|[\s(`'\"]/work/", re.IGNORECASE)


def _files() -> list[Path]:
    found: list[Path] = []
    for entry in SCANNED:
        path = ROOT / entry
        candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        found.extend(
            p
            for p in candidates
            if p.suffix in SUFFIXES and "__pycache__" not in p.parts and p.resolve() != Path(__file__).resolve()
        )
    return found


def _offences(text: str) -> list[str]:
    return [f"line {n}: {line.strip()}" for n, line in enumerate(text.splitlines(), 1) if FORBIDDEN.search(line)]


def test_the_scan_sees_the_tree():
    files = {p.relative_to(ROOT).as_posix() for p in _files()}
    assert "apps/sandbox/vat_rules.py" in files
    assert "docs/contracts/hmrc-vat-api.md" in files
    assert "Makefile" in files


@pytest.mark.parametrize(
    ("line", "offends"),
    [
        ("Request validation (spec §3.3).", True),
        ("The audit log (security spec §5.1).", True),
        ("Spec §8: HTTP Basic", True),
        ("see " + "../" + "shared/specs/hmrc.md", True),  # built, so this file itself cites nothing
        ("(contracts in briefs/contracts.md)", True),
        ("(docs: /work/briefs/contracts.md)", True),
        ("under var/mutation/work/ and mutants/", False),
        ("Replayed codes revoke tokens (RFC 6749 §4.1.2).", False),
        ("docs/contracts/hmrc-vat-api.md, Validation", False),
    ],
)
def test_the_pattern(line, offends):
    assert bool(_offences(line)) is offends


def test_no_file_cites_a_document_outside_the_repository():
    offences = {
        p.relative_to(ROOT).as_posix(): found
        for p in _files()
        if (found := _offences(p.read_text(encoding="utf-8", errors="replace")))
    }
    assert offences == {}, "summarise the fact under docs/contracts/ and point there instead"
