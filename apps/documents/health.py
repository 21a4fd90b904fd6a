"""The document store's readiness check (registered with ``apps.observability.health``).

Ready means: the store is this database's (its marker matches), a file can be
written and removed at its root, and (on a filesystem) more than
``DOCUMENT_STORE_MIN_FREE_BYTES`` are free. A process that cannot store an
upload should not take traffic, and the operator sees why on /health/ready.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage

from apps.documents.services.store_identity import store_status


def _gib(n: int) -> str:
    return f"{n / 1024**3:.1f} GiB"


def check_document_store() -> str:
    status = store_status()
    if not status.ok:
        raise RuntimeError(status.problem)
    if not isinstance(default_storage, FileSystemStorage):
        return "object storage; marker matches"
    root = Path(default_storage.location)
    fd, probe = tempfile.mkstemp(dir=root, prefix=".ready-")  # raises when read-only or full (no inode)
    os.close(fd)
    os.unlink(probe)
    free, minimum = shutil.disk_usage(root).free, settings.DOCUMENT_STORE_MIN_FREE_BYTES
    if free < minimum:
        raise RuntimeError(f"only {_gib(free)} free, below the {_gib(minimum)} minimum")
    return f"{_gib(free)} free"
