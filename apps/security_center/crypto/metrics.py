"""Metrics of key rotation (decision 0023), named like apps.observability.metrics (``strongroom_<domain>_...``).

Kept beside the crypto layer so the rotation code owns them; updates go through
``apps.observability.metrics.safely`` so a metric never breaks a rotation.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

KEK_ROTATIONS = Counter(
    "strongroom_encryption_kek_rotations_total", "Key-encryption-key rotations run (rotate_kek).", ["provider"]
)
KEK_REWRAPPED = Counter(
    "strongroom_encryption_keys_rewrapped_total", "Tenant data keys re-wrapped under a newer KEK version."
)
DEK_ROTATIONS = Counter("strongroom_encryption_dek_rotations_total", "Tenant data-key rotations (a new DEK version).")
REENCRYPTED = Counter(
    "strongroom_encryption_reencrypted_total",
    "Values re-sealed under the tenant's active data key by the sweep (kind: field or blob).",
    ["kind"],
)
STALE = Gauge(
    "strongroom_encryption_stale",
    "Rows (kind=field) and blobs (kind=blob) still sealed under an older data key after the last sweep.",
    ["kind"],
)
KEYS_BEHIND_KEK = Gauge(
    "strongroom_encryption_keys_behind_kek", "Tenant data keys still wrapped under an older KEK version."
)
