"""Small helpers shared by tests of every app."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

from apps.audit.models import PLATFORM_CHAIN, AuditEvent
from apps.tenancy.context import db_tenant

ROOT = Path(__file__).resolve().parents[1]


def audit_events(chain: uuid.UUID = PLATFORM_CHAIN, **filters) -> list[AuditEvent]:
    """Events of one chain, read inside that chain's context (on PostgreSQL, RLS hides them otherwise)."""
    with db_tenant(chain):
        return list(AuditEvent.objects.filter(chain=chain, **filters).order_by("seq"))


def audit_actions(chain: uuid.UUID = PLATFORM_CHAIN) -> list[str]:
    return [e.action for e in audit_events(chain)]


@contextlib.contextmanager
def celery_worker(
    *, pool: str = "solo", media_root=None, queues: str = "", result_backend: str = ""
) -> Iterator[tuple[subprocess.Popen, str]]:
    """A real Celery worker process on its own queue, on the test database (as the application role) and Redis.

    Yields the process and the queue name; stops the worker afterwards. Use with
    the ``committed_db`` fixture so that the worker sees what the test wrote.
    """
    from django.conf import settings
    from django.db import connections

    db = connections["default"].settings_dict
    queue = queues or f"test-{uuid.uuid4().hex[:8]}"  # queues: the real ones ("filing,ocr"), for the outbox tests
    env = {
        **os.environ,
        "STRONGROOM_ENV": "test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        # No result backend by default (nothing reads results); a test that reads them names one.
        "CELERY_RESULT_BACKEND": result_backend or settings.CELERY_RESULT_BACKEND or "",
        "OMP_THREAD_LIMIT": "1",
    }
    env.pop("DATABASE_OWNER_URL", None)
    if media_root is not None:
        env["STRONGROOM_MEDIA_ROOT"] = str(media_root)
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool", pool]
    command += ["--concurrency", "1", "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "WARNING"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield proc, queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def verified(user):
    """The user as a request signed in with a second factor leaves it (what django-otp's middleware sets).

    For calling services directly with an actor whose session the policy requires to be 2FA-verified.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True
    )
    user.otp_device = device
    user.is_verified = lambda: True
    return user


# Outbox (issue #17): what a service queued, read from the outbox instead of patching a task's .delay.
def queued(task_name: str) -> list[dict]:
    """The kwargs of every effect of ``task_name`` still to happen, oldest first (without ``outbox_id``)."""
    from apps.outbox.models import ACTIVE_STATES, OutboxItem

    rows = OutboxItem.objects.filter(task_name=task_name, state__in=ACTIVE_STATES).order_by("created_at")
    return [dict(row.kwargs) for row in rows]


# --- pii (decision 0025): sealed fields in tests that count on_commit callbacks -------------------------------
def commit_data_keys(tenant, capture_on_commit) -> None:
    """Run the commit hook of ``tenant``'s data key now, as production's commit would.

    A key created inside the test's never-committed transaction is cached only on commit, so each use
    would queue one more on_commit callback; tests that count callbacks call this first.
    """
    from apps.security_center.crypto import keystore
    from apps.tenancy.context import tenant_context

    with capture_on_commit() as callbacks, tenant_context(tenant):
        keystore.active_key(tenant.pk, keystore.DATA)
        keystore.active_key(tenant.pk, keystore.INDEX)  # blind indexes (duplicate search, rule suppliers)
    for callback in callbacks:  # only the key store's own hooks: others (cache clears ...) stay as they were
        if callback.__module__ == keystore.__name__:
            callback()
