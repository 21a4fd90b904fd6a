"""Where exports are kept: files under PRIVACY_EXPORT_DIR, outside the web root and the document store.

Each file is written 0600 in a 0700 directory and named by the request id, never by anything a person
typed. Nothing serves this directory: the only way out is the download view, behind a time-limited link.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from django.conf import settings


def export_dir() -> Path:
    path = Path(settings.PRIVACY_EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def export_path(name: str) -> Path:
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"not an export name: {name!r}")
    return export_dir() / name


def write_export(name: str, content: bytes) -> tuple[int, str]:
    """Write the file atomically (0600); returns its size and sha256."""
    target = export_path(name)
    partial = target.with_name(f".{name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.replace(partial, target)
    return len(content), hashlib.sha256(content).hexdigest()


def read_export(name: str) -> bytes:
    return export_path(name).read_bytes()


def delete_export(name: str) -> bool:
    """Remove the file; True when there was one."""
    try:
        export_path(name).unlink()
    except FileNotFoundError:
        return False
    return True
