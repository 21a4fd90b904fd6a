"""Which OCR queue a document's processing is published to: one tenant's burst never starves another tenant.

Why: the OCR queue is first in, first out. A tenant who uploads 500 documents
puts 500 messages ahead of another tenant's one receipt, which then waits the
whole burst (at ~100 pages a minute, five minutes). So the router counts each
tenant's documents over a sliding ``WINDOW``: up to ``BURST`` go on the
interactive queue ``ocr``; past that, the tenant's further documents go to one
of the ``BULK_QUEUES`` (by a hash of the tenant). The OCR workers consume all
of them, and kombu's Redis transport takes the next message from its queues in
round-robin order (``queue_order_strategy`` ``round_robin``: the queue just
served moves to the back), so a quiet tenant's document waits for at most one
bulk task per bulk queue, however long the bulk queues are; two tenants
bursting at once usually get different bulk queues and share the workers.

The count lives in the cache (Redis in production, per process in the demo).
If the cache cannot answer, the document goes to ``ocr``: routing must never
stop a publish. Tasks other than document processing keep their static route.
"""

from __future__ import annotations

import logging
import zlib
from typing import Any

from django.core.cache import cache

log = logging.getLogger(__name__)

PROCESS_TASK = "documents.process_document"  # as apps/documents/tasks.py names it
OCR_QUEUE = "ocr"
BULK_QUEUES = ("ocr.bulk.0", "ocr.bulk.1", "ocr.bulk.2", "ocr.bulk.3")
OCR_QUEUES = (OCR_QUEUE, *BULK_QUEUES)  # what an OCR worker consumes (deploy/: -Q ocr,ocr.bulk.0,...)
BURST = 20  # documents one tenant may send to the interactive queue per WINDOW
WINDOW = 60  # seconds


def ocr_queue_for(tenant_id: str) -> str:
    """The queue for this tenant's next document (and count it)."""
    key = f"ocr-route:{tenant_id}"
    try:
        cache.add(key, 0, timeout=WINDOW)  # the window starts at the tenant's first document
        sent = cache.incr(key)
    except Exception:  # a cache outage must not stop a publish
        log.warning("OCR routing: the cache did not answer; the document goes to the interactive queue")
        return OCR_QUEUE
    if sent <= BURST:
        return OCR_QUEUE
    return BULK_QUEUES[zlib.crc32(str(tenant_id).encode()) % len(BULK_QUEUES)]


def route_task(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **extra: Any) -> dict | None:
    """Celery router (``CELERY_TASK_ROUTES``): document processing by tenant; everything else falls through."""
    if name != PROCESS_TASK:
        return None
    tenant_id = (kwargs or {}).get("tenant_id")
    return {"queue": ocr_queue_for(str(tenant_id)) if tenant_id else OCR_QUEUE}
