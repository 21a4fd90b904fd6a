"""PostgreSQL: the key table under row-level security, and two processes creating a tenant's first key at once."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, connections, transaction

from apps.security_center.crypto import keystore
from apps.security_center.crypto.envelope import decrypt, encrypt
from apps.security_center.crypto.kek import LocalKekProvider, get_kek_provider, set_kek_provider
from apps.security_center.models import TenantKey
from apps.tenancy.context import db_tenant, tenant_context
from tests.factories import TenantFactory

pytestmark = pytest.mark.postgres


def _key_rows(sql: str = "SELECT tenant_id, wrapped_dek FROM security_center_tenantkey") -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.mark.django_db
def test_another_tenants_keys_are_invisible_to_the_application_role(tenant_a, tenant_b, in_tenant):
    keystore.clear_key_cache()
    with in_tenant(tenant_a):
        encrypt(tenant_id=tenant_a.pk, label="test.pg", row_id=uuid.uuid4(), plaintext=b"a")
    with in_tenant(tenant_b):
        encrypt(tenant_id=tenant_b.pk, label="test.pg", row_id=uuid.uuid4(), plaintext=b"b")

    with db_tenant(tenant_b.pk):
        assert [row[0] for row in _key_rows()] == [tenant_b.pk]
        with connection.cursor() as cursor:
            sql = "UPDATE security_center_tenantkey SET wrapped_dek = NULL WHERE tenant_id = %s"
            cursor.execute(sql, [tenant_a.pk])
            assert cursor.rowcount == 0  # b cannot shred a's keys either
    with transaction.atomic():
        assert _key_rows() == []  # no tenant set: nothing
    with db_tenant(tenant_a.pk):
        [(owner, wrapped)] = _key_rows()
        assert owner == tenant_a.pk and wrapped is not None


@pytest.mark.django_db
def test_decrypting_as_b_cannot_reach_as_key_even_when_the_orm_scope_is_b(tenant_a, tenant_b, in_tenant):
    keystore.clear_key_cache()
    row = uuid.uuid4()
    with in_tenant(tenant_a):
        blob = encrypt(tenant_id=tenant_a.pk, label="test.pg", row_id=row, plaintext=b"a")
    keystore.clear_key_cache()
    with in_tenant(tenant_b):
        # Even reading the key table directly from b's context, a's row does not exist.
        assert not TenantKey.objects.filter(tenant_id=tenant_a.pk).exists()
        with pytest.raises(Exception, match="no data key"):
            decrypt(tenant_id=tenant_b.pk, label="test.pg", row_id=row, blob=blob)


def test_two_processes_creating_the_first_key_at_once_end_with_one_key(committed_db):
    """Both see no key, both wrap a new one; the unique constraint lets one in and the other reads it."""
    tenant = TenantFactory()
    real = get_kek_provider()
    both_wrapping = threading.Barrier(2, timeout=30)

    class RacingProvider(LocalKekProvider):
        def wrap(self, dek, context):
            both_wrapping.wait()  # each thread has already found no key row
            return super().wrap(dek, context)

    set_kek_provider(RacingProvider(real._keys))
    keystore.clear_key_cache()
    results: dict[int, bytes] = {}
    errors: list[BaseException] = []
    rows = [uuid.uuid4(), uuid.uuid4()]

    def seal(i: int) -> None:
        try:
            with tenant_context(tenant):
                results[i] = encrypt(tenant_id=tenant.pk, label="test.race", row_id=rows[i], plaintext=b"%d" % i)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=seal, args=(i,)) for i in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        set_kek_provider(None)
    assert errors == []
    keystore.clear_key_cache()
    with tenant_context(tenant):
        assert TenantKey.objects.count() == 1
        for i in range(2):
            assert decrypt(tenant_id=tenant.pk, label="test.race", row_id=rows[i], blob=results[i]) == b"%d" % i
    keystore.clear_key_cache()


WORKER_CHILD = """
import base64, sys, uuid, django
django.setup()
from apps.security_center.crypto.envelope import decrypt
from apps.tenancy.context import tenant_context
tenant_id, row_id, blob = sys.argv[1], sys.argv[2], base64.b64decode(sys.argv[3])
with tenant_context(uuid.UUID(tenant_id)):
    print(decrypt(tenant_id=tenant_id, label="test.worker", row_id=row_id, blob=blob).decode())
"""


def test_a_worker_process_opens_what_the_test_process_sealed(committed_db):
    """The environment tests/helpers.celery_worker gives a worker: app role, its own SECRET_KEY, os.environ."""
    import base64
    import os
    import subprocess
    import sys

    from tests.helpers import ROOT

    tenant = TenantFactory()
    row = uuid.uuid4()
    keystore.clear_key_cache()
    with tenant_context(tenant):
        blob = encrypt(tenant_id=tenant.pk, label="test.worker", row_id=row, plaintext=b"sealed in the test process")
    db = connections["default"].settings_dict
    env = {
        **os.environ,
        "STRONGROOM_ENV": "test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DATABASE_OWNER_URL", None)
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", WORKER_CHILD, str(tenant.pk), str(row), base64.b64encode(blob).decode()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "sealed in the test process"
