"""Is the document store the one this database's rows point into? A marker in the store, matched in the database.

A volume that is not mounted, the wrong bucket, or a database restored without
its files all look the same to a sweep that checks files one by one: every
file is "missing". So before anything acts on missing files, the store must
prove who it is: a small marker object (``.strongroom-store``, holding a
UUID) written when the store is first used, whose UUID is kept in
``DocumentStoreIdentity``. A store whose marker is absent or different, while
the database already knows one, is absent: callers refuse to act, the
reconciliation records why (the alert reads it) and readiness fails.

First use is the only time a marker is written without a match: no identity
row yet (a new installation, or one from before markers existed, which is
adopted as it is; the reconciliation's sample check still guards it).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from apps.documents.models import DocumentStoreIdentity

log = logging.getLogger(__name__)

MARKER_NAME = ".strongroom-store"
MARKER_HEADER = "strongroom document store"


@dataclass(frozen=True)
class StoreStatus:
    ok: bool
    problem: str = ""


def read_marker() -> uuid.UUID | None:
    """The UUID in the store's marker, or None when there is none (or it cannot be read)."""
    try:
        if not default_storage.exists(MARKER_NAME):
            return None
        with default_storage.open(MARKER_NAME, "rb") as handle:
            lines = handle.read(200).decode("ascii", "replace").splitlines()
    except OSError:
        return None
    try:
        return uuid.UUID(lines[1].strip()) if len(lines) > 1 and lines[0] == MARKER_HEADER else None
    except ValueError:
        return None


def _write_marker(marker: uuid.UUID) -> None:
    from apps.documents.services.storage import write_blob  # storage imports this module (cycle)

    write_blob(MARKER_NAME, f"{MARKER_HEADER}\n{marker}\n".encode("ascii"), replace=True)


def _expected() -> uuid.UUID | None:
    row = DocumentStoreIdentity.objects.filter(pk=1).first()
    return row.marker if row else None


def store_status(*, claim: bool = True) -> StoreStatus:
    """Whether the store is this database's; with ``claim``, a first use writes the marker and its row."""
    expected, found = _expected(), read_marker()  # one row, one small read: cheap enough for every upload
    if expected is not None and found == expected:
        return StoreStatus(True)
    if expected is not None:
        why = "has another store's marker" if found else "has no marker (not mounted, or restored without its files)"
        return StoreStatus(False, f"The document store {why}; expected store {expected}.")
    if not claim:
        return StoreStatus(False, "The document store has not been claimed by this database yet.")
    marker = found or uuid.uuid4()  # adopt a store that already has a marker (this database restored empty of it)
    try:
        with transaction.atomic():
            DocumentStoreIdentity.objects.create(pk=1, marker=marker)  # pk 1: one identity, whoever races
    except IntegrityError:  # another process claimed it at the same moment
        return store_status(claim=False)
    if found is None:
        _write_marker(marker)
    log.warning("document store claimed", extra={"store_marker": str(marker)})
    return StoreStatus(True)


def require_store() -> None:
    """Raise ``StoreUnavailable`` (503) unless the store is this database's: nothing is written to a stranger."""
    from apps.documents.errors import StoreUnavailable

    status = store_status()
    if not status.ok:
        log.error("document store unavailable", extra={"problem": status.problem})
        raise StoreUnavailable()
