"""Document rows against stored files, hash by hash: every row's file exists and has the row's SHA-256.

Run against the live storage (after a documents snapshot) and against a restored copy in a drill.
Rows are read tenant by tenant inside ``tenant_context`` (row-level security applies).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.storage import default_storage

from apps.documents.models import Document, DocumentState
from apps.tenancy.context import tenant_context
from apps.tenancy.selectors import all_tenant_ids

CHUNK = 1024 * 1024


@dataclass
class FileReport:
    checked: int = 0
    missing: list[dict[str, str]] = field(default_factory=list)
    mismatched: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.mismatched)

    def describe(self, limit: int = 5) -> str:
        if self.ok:
            return f"{self.checked} document files present with the right SHA-256"
        parts = [f"{len(self.missing)} missing, {len(self.mismatched)} with the wrong SHA-256 of {self.checked}"]
        for kind, rows in (("missing", self.missing), ("wrong SHA-256", self.mismatched)):
            parts += [f"{kind}: {r['file']} (document {r['document']}, tenant {r['tenant']})" for r in rows[:limit]]
        return "; ".join(parts)

    def as_dict(self) -> dict:
        return {"checked": self.checked, "missing": self.missing, "mismatched": self.mismatched}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _storage_sha256(name: str) -> str | None:
    if not default_storage.exists(name):
        return None
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def reconcile_files(root: Path | None = None) -> FileReport:
    """Check every stored document of every tenant; ``root``: a restored media root instead of the live storage."""
    report = FileReport()
    for tenant_id in all_tenant_ids():
        with tenant_context(tenant_id):
            rows = list(
                Document.objects.exclude(state=DocumentState.DUPLICATE)
                .exclude(storage_name="")
                .values_list("pk", "storage_name", "sha256")
            )
        for pk, name, expected in rows:
            report.checked += 1
            finding = {"tenant": str(tenant_id), "document": str(pk), "file": name}
            if root is not None:
                path = root / name
                actual = file_sha256(path) if path.is_file() else None
            else:
                actual = _storage_sha256(name)
            if actual is None:
                report.missing.append(finding)
            elif actual != expected:
                report.mismatched.append({**finding, "expected": expected, "actual": actual})
    return report
