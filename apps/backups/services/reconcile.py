"""Document rows against stored files, hash by hash: every row's file exists and has the row's SHA-256.

Files are encrypted at rest; the hash is of the opened file, so a pass also proves the stored copy
still decrypts with the tenant's keys (decision 0024).

Run against the live storage (after a documents snapshot) and against a restored copy in a drill.
Rows are read tenant by tenant inside ``tenant_context`` (row-level security applies).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.storage import default_storage

from apps.documents.errors import StoredFileUnreadable
from apps.documents.models import Document, DocumentState
from apps.documents.sealing import open_file
from apps.security_center.crypto.errors import DecryptionError
from apps.tenancy.context import tenant_context, tenant_scope
from apps.tenancy.selectors import all_tenant_ids


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


def _stored_bytes(name: str, root: Path | None) -> bytes | None:
    if root is not None:
        path = root / name
        return path.read_bytes() if path.is_file() else None
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def _plain_sha256(tenant_id, name: str, data: bytes, file_key_version: int | None) -> str:
    """SHA-256 of the document's original bytes: files are sealed (decision 0024), so they are opened first.

    A file that does not open (altered, another business's, keys shredded) gets
    a description instead of a hash, and so counts as mismatched.
    """
    with tenant_scope(tenant_id):
        try:
            plain = open_file(tenant_id, name, data, expect_sealed=file_key_version is not None)
        except (DecryptionError, StoredFileUnreadable) as exc:
            return f"unreadable ({type(exc).__name__})"
    return hashlib.sha256(plain).hexdigest()


def reconcile_files(root: Path | None = None) -> FileReport:
    """Check every stored document of every tenant; ``root``: a restored media root instead of the live storage."""
    report = FileReport()
    for tenant_id in all_tenant_ids():
        with tenant_context(tenant_id):
            rows = list(
                Document.objects.exclude(state=DocumentState.DUPLICATE)
                .exclude(storage_name="")
                .values_list("pk", "storage_name", "sha256", "file_key_version")
            )
        for pk, name, expected, file_key_version in rows:
            report.checked += 1
            finding = {"tenant": str(tenant_id), "document": str(pk), "file": name}
            data = _stored_bytes(name, root)
            actual = None if data is None else _plain_sha256(tenant_id, name, data, file_key_version)
            if actual is None:
                report.missing.append(finding)
            elif actual != expected:
                report.mismatched.append({**finding, "expected": expected, "actual": actual})
    return report
