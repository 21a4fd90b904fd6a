"""``TenantTask``: the Celery base class that enters the tenant, the worker's one place that does.

A task of a tenant takes ``tenant_id`` (and object ids, never objects) as
keyword arguments; the base class loads the tenant and runs the body inside
``tenant_context``, so the ORM scope and the RLS setting hold for every query
the body makes.
"""

from __future__ import annotations

import time
import uuid

from celery import Task, shared_task

from apps.observability.metrics import TASK_FAILURES, TASK_RUNTIME, safely
from apps.tenancy.context import tenant_context, tenant_scope
from apps.tenancy.errors import TenantContextError
from apps.tenancy.models import Tenant


class TenantTask(Task):
    abstract = True
    acks_late = True
    reject_on_worker_lost = True
    # True: the whole body is one transaction in the tenant (short tasks).
    # False: the body runs in the tenant's scope and opens tenant_context per
    # unit of work, so long steps such as OCR hold no transaction or lock.
    atomic = True

    def __call__(self, *args, **kwargs):
        tenant_id = kwargs.get("tenant_id")
        if tenant_id is None:
            raise TenantContextError(f"{self.name} needs tenant_id= as a keyword argument")
        try:
            tenant_uuid = uuid.UUID(str(tenant_id))
        except ValueError as exc:
            raise TenantContextError(f"{self.name}: {tenant_id!r} is not a tenant id") from exc
        if not Tenant.objects.filter(pk=tenant_uuid).exists():
            raise TenantContextError(f"{self.name}: tenant {tenant_uuid} does not exist")
        started = time.monotonic()
        try:
            with (tenant_context if self.atomic else tenant_scope)(tenant_uuid):
                return super().__call__(*args, **kwargs)
        except Exception as exc:
            if getattr(exc, "counts_as_failure", True):  # a deferral (apps.outbox.errors.Deferred) is not one
                safely(lambda: TASK_FAILURES.labels(self.name).inc())
            raise
        finally:
            safely(lambda: TASK_RUNTIME.labels(self.name).observe(time.monotonic() - started))


@shared_task(base=TenantTask, name="tenancy.count_pending_invitations")
def count_pending_invitations(*, tenant_id: str) -> int:
    """A small tenant task: used by tests and by the worker smoke check."""
    from apps.tenancy.selectors import pending_invitations

    return pending_invitations().count()
