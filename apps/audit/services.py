"""Recording audit events: the one function every privileged action calls.

Call it inside the transaction that makes the change, so the event and the
change commit or roll back together.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from apps.audit.models import PLATFORM_CHAIN, ZERO_HASH, AuditEvent, ChainCheckpoint
from apps.audit.privileged import note_recorded
from apps.observability.context import current_request_info
from apps.observability.metrics import AUDIT_EVENTS, safely

if TYPE_CHECKING:
    from apps.audit.selectors import ChainReport

# Keys whose values never reach the audit log, wherever they appear: any name containing one of
# these words, or having one of the short words as a part ("api_key", "otp_code", "backup_codes").
SECRET_KEY_PARTS = ("password", "secret", "token", "authorization", "cookie", "credential")
SECRET_NAME_WORDS = frozenset({"otp", "key", "keys", "code", "codes", "pin", "cvv"})
# Names that carry one of the short words but hold no secret (HMRC period keys, account and error codes).
NOT_SECRET_NAMES = frozenset({"period_key", "account_code", "error_code", "idempotency_key", "postcode", "kyc_code"})
MASK = "***"


def is_secret_name(name: str) -> bool:
    lowered = str(name).lower()
    if lowered in NOT_SECRET_NAMES:
        return False
    if any(part in lowered for part in SECRET_KEY_PARTS):
        return True
    return any(word in SECRET_NAME_WORDS for word in re.split(r"[^a-z0-9]+", lowered))


def mask_secrets(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): (MASK if is_secret_name(k) else mask_secrets(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_secrets(v) for v in value]
    return value


def canonical_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def link_hash(prev_hash: bytes, seq: int, body: str) -> bytes:
    return hashlib.sha256(prev_hash + seq.to_bytes(8, "big", signed=True) + body.encode("utf-8")).digest()


def _actor_fields(actor: Any) -> tuple[str, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "", ""
    return str(actor.pk), getattr(actor, "email", "") or str(actor)


def record_event(
    action: str,
    *,
    actor: Any = None,
    tenant_id: uuid.UUID | None = None,
    on_behalf_of: str = "",
    target: Any = None,
    target_type: str = "",
    target_id: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append an event to the tenant's chain (or the platform chain).

    ``action`` is ``<app>.<noun>.<verb>``. ``before``/``after``/``extra`` are
    masked: keys that look like secrets never reach the log.
    """
    if action.count(".") != 2:
        raise ValueError(f"audit action {action!r} is not <app>.<noun>.<verb>")
    note_recorded(action)
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    info = current_request_info()
    actor_id, label = _actor_fields(actor)
    event = AuditEvent(
        chain=tenant_id or PLATFORM_CHAIN,
        occurred_at=timezone.now(),
        action=action,
        actor_id=actor_id,
        actor_label=label or actor_label,
        on_behalf_of=on_behalf_of,
        tenant_id=tenant_id,
        target_type=target_type,
        target_id=target_id,
        request_id=info.request_id,
        ip_address=info.ip_address,
    )
    event.body = canonical_json(
        {
            "id": str(event.id),
            "chain": str(event.chain),
            "occurred_at": event.occurred_at.isoformat(),
            "action": action,
            "actor_id": event.actor_id,
            "actor": event.actor_label,
            "on_behalf_of": on_behalf_of,
            "tenant_id": str(tenant_id) if tenant_id else None,
            "target_type": target_type,
            "target_id": target_id,
            "before": mask_secrets(before or {}),
            "after": mask_secrets(after or {}),
            "extra": mask_secrets(extra or {}),
            "request_id": info.request_id,
            "ip": info.ip_address,
        }
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The trigger audit_chain_link assigns seq, prev_hash and hash
            # under the chain head's lock; these placeholders are overwritten.
            event.seq, event.prev_hash, event.hash = 0, ZERO_HASH, ZERO_HASH
            event.save(force_insert=True)
            # The database's values are not returned (INSERT ... RETURNING
            # would need the row to be readable in this context); say so
            # rather than keep the placeholders.
            event.seq = event.prev_hash = event.hash = None
        else:
            last = (
                AuditEvent.objects.select_for_update()
                .filter(chain=event.chain)
                .order_by("-seq")
                .values_list("seq", "hash")
                .first()
            )
            seq, prev = (last[0] + 1, bytes(last[1])) if last else (1, ZERO_HASH)
            event.seq, event.prev_hash = seq, prev
            event.hash = link_hash(prev, seq, event.body)
            event.save(force_insert=True)
    safely(AUDIT_EVENTS.inc)
    return event


def checkpoint_chain(chain: uuid.UUID, *, full: bool = False, by: str = "beat") -> ChainReport:
    """Verify one chain from its checkpoint (or from its first event when ``full``) and store where it got to.

    The checkpoint only moves over links that held; a break is stored with the
    problem and found again by every later run until someone repairs the chain
    (decision 0037).
    """
    # A function-level import: selectors imports link_hash from this module.
    from apps.audit.selectors import verify_since

    current = ChainCheckpoint.objects.filter(chain=chain).first()
    start_seq, start_hash = (0, ZERO_HASH) if full or current is None else (current.seq, bytes(current.hash))
    report = verify_since(chain, start_seq, start_hash)
    now = timezone.now()
    values = {
        "verified_at": now,
        "verified_by": by[:100],
        "full": report.full,
        "ok": report.ok,
        "broken_seq": report.broken_seq,
        "problem": report.reason[:500],
        "checked": report.events,
    }
    if report.ok or report.through_seq > start_seq:
        values |= {"seq": report.through_seq, "hash": report.through_hash}
    if report.full and report.ok:
        values["full_verified_at"] = now
    ChainCheckpoint.objects.update_or_create(chain=chain, defaults=values)
    return report
