"""The restore benchmark's data generator at tiny scale: every constraint holds, every audit chain verifies.

The benchmark itself (``make bench-restore``) needs root and minutes; it prints figures and is never a test.
"""

from __future__ import annotations

import hashlib
import uuid

import pytest
from django.db import connection

from apps.audit.selectors import verify_chain
from apps.core.db_tenant import db_tenant
from apps.devtools.restore_bench import generate

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TENANT = uuid.UUID(hashlib.md5(b"bench-tenant-0").hexdigest())  # the generator's id scheme


def test_a_tiny_batch_is_balanced_linked_and_counted():
    with db_tenant(TENANT), connection.cursor() as cursor:
        generate.setup(cursor, businesses=1)
        generate.batch(cursor, first=0, last=49, businesses=1, fast=False)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the ledger's deferred balance triggers run now
        assert generate.counts(cursor) == {
            "documents_document": 50,
            "ledger_journalentry": 50,
            "ledger_journalline": 150,
            "audit_auditevent": 50,
        }
        assert generate.unbalanced_entries(cursor) == 0
        cursor.execute("SELECT min(number), max(number), count(DISTINCT number) FROM ledger_journalentry")
        assert cursor.fetchone() == (1, 50, 50)
    report = verify_chain(TENANT)
    assert report.ok and report.events == 50, report
