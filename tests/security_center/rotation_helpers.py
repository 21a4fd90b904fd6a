"""A throwaway tenant-scoped model with a text and a JSON encrypted field, unknown to the crypto layer.

The rotation tests use it to show that the sweep finds encrypted fields by
introspection (as it will the documents and PII fields other apps add). The
table is created by the owner role and committed (the application role, under
row-level security, sees it), then dropped; as in test_crypto_fields.
"""

from __future__ import annotations

import struct

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connections

from apps.security_center.crypto import keystore
from apps.security_center.crypto.fields import EncryptedJSONField, EncryptedTextField
from apps.tenancy.context import tenant_context
from apps.tenancy.models import TenantScopedModel
from apps.tenancy.rls import apply_grants, apply_policies


@pytest.fixture
def rotation_note(committed_db):
    class RotationNote(TenantScopedModel):
        body = EncryptedTextField(label="test.rotation_body", null=True, blank=True)
        extraction = EncryptedJSONField(label="test.rotation_extraction", null=True)

        class Meta:
            app_label = "security_center"
            db_table = "security_center_testrotationnote"

    alias = "owner" if "owner" in settings.DATABASES else "default"
    conn = connections[alias]
    with conn.schema_editor() as editor:
        editor.create_model(RotationNote)
    if conn.vendor == "postgresql":
        apply_grants(conn, settings.DATABASE_APP_ROLE)
        apply_policies(conn)
    keystore.clear_key_cache()
    try:
        yield RotationNote
    finally:
        keystore.clear_key_cache()
        connections["default"].close()
        with conn.schema_editor() as editor:
            editor.delete_model(RotationNote)
        del apps.all_models["security_center"]["rotationnote"]
        apps.clear_cache()


def raw_versions(model, tenant, column: str) -> list[int]:
    """The data-key version in the stored header of every non-NULL ``column`` of the tenant's rows (raw SQL)."""
    conn = connections["default"]
    table = conn.ops.quote_name(model._meta.db_table)
    with tenant_context(tenant), conn.cursor() as cursor:
        tenant_param = tenant.pk.hex if conn.vendor == "sqlite" else tenant.pk
        cursor.execute(f"SELECT {column} FROM {table} WHERE tenant_id = %s AND {column} IS NOT NULL", [tenant_param])
        blobs = [bytes(row[0]) for row in cursor.fetchall()]
    assert all(blob[0] == 1 for blob in blobs)
    return [struct.unpack(">I", blob[1:5])[0] for blob in blobs]


def raw_kek_versions(tenant) -> list[tuple[str, int, int]]:
    """(kek_id, kek_version, dek version) of the tenant's live data keys, read with raw SQL."""
    conn = connections["default"]
    tenant_param = tenant.pk.hex if conn.vendor == "sqlite" else tenant.pk
    with tenant_context(tenant), conn.cursor() as cursor:
        cursor.execute(
            "SELECT kek_id, kek_version, version FROM security_center_tenantkey "
            "WHERE tenant_id = %s AND wrapped_dek IS NOT NULL ORDER BY purpose, version",
            [tenant_param],
        )
        return [tuple(row) for row in cursor.fetchall()]
