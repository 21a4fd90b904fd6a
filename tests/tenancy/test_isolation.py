"""Tenant isolation at both walls, for every tenant-scoped model (discovered, not listed).

ORM wall: django-scopes. Database wall (PostgreSQL): row-level security,
exercised with raw SQL as the application role, the ORM scope switched off
as if a developer had forgotten a filter.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django_scopes import ScopeError, scopes_disabled

from apps.tenancy.context import db_tenant
from apps.tenancy.errors import TenantContextError
from apps.tenancy.rls import DEFAULT_PRIVILEGES, tenant_scoped_models
from tests.factories import SCOPED_FACTORIES

SCOPED_MODELS = tenant_scoped_models()
model_param = pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m._meta.label)


def _may(model, privilege: str) -> bool:
    """Whether the application role holds ``privilege`` on the model's table (a summary kept by a trigger, e.g.
    ``ledger.AccountMonth``, is read-only to it: writing there is refused before row-level security is asked)."""
    return privilege in getattr(model, "app_role_privileges", DEFAULT_PRIVILEGES)


def _refused(model, privilege: str):
    """What writing from the wrong tenant meets: row-level security, or no privilege at all."""
    match = "row-level security" if _may(model, privilege) else "permission denied"
    return pytest.raises(DatabaseError, match=match)


def test_there_are_tenant_scoped_models_to_check():
    assert SCOPED_MODELS, "discovery found no tenant-scoped models: the isolation tests would prove nothing"


@model_param
def test_every_tenant_scoped_model_has_a_factory(model):
    assert model in SCOPED_FACTORIES, f"add a factory for {model._meta.label} to tests/factories.SCOPED_FACTORIES"


@pytest.fixture
def row_of_a(tenant_a, request):
    model = request.node.callspec.params["model"]
    return SCOPED_FACTORIES[model](tenant=tenant_a)


@model_param
@pytest.mark.django_db
def test_manager_raises_outside_a_scope(model, row_of_a):
    with pytest.raises(ScopeError):
        list(model.objects.all())
    with pytest.raises(ScopeError):
        model.objects.filter(pk=row_of_a.pk).exists()


@model_param
@pytest.mark.django_db
def test_tenant_b_cannot_read_update_or_delete_rows_of_a_through_the_orm(model, row_of_a, tenant_b, in_tenant):
    with in_tenant(tenant_b):
        assert not model.objects.filter(pk=row_of_a.pk).exists()
        assert model.objects.count() == 0
        for privilege, write in [
            ("UPDATE", lambda: model.objects.filter(pk=row_of_a.pk).update(tenant_id=tenant_b.pk)),
            ("DELETE", lambda: model.objects.filter(pk=row_of_a.pk).delete()[0]),
        ]:
            if _may(model, privilege):
                assert write() == 0
            else:
                with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                    write()
        with pytest.raises(model.DoesNotExist):
            model.objects.get(pk=row_of_a.pk)
    with in_tenant(row_of_a.tenant):
        assert model.objects.filter(pk=row_of_a.pk, tenant=row_of_a.tenant).exists()


@model_param
@pytest.mark.django_db
def test_a_row_of_a_cannot_be_saved_from_b_context(model, row_of_a, tenant_b, in_tenant):
    with in_tenant(tenant_b), pytest.raises(TenantContextError):
        row_of_a.save()


@model_param
@pytest.mark.postgres
@pytest.mark.django_db
def test_rls_hides_rows_of_a_from_raw_sql_in_b_context(model, row_of_a, tenant_b):
    table = connection.ops.quote_name(model._meta.db_table)
    with db_tenant(tenant_b.pk), connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] == 0
        for privilege, sql in [
            ("UPDATE", f"UPDATE {table} SET tenant_id = tenant_id WHERE id = %s"),
            ("DELETE", f"DELETE FROM {table} WHERE id = %s"),
        ]:
            if _may(model, privilege):
                cursor.execute(sql, [row_of_a.pk])
                assert cursor.rowcount == 0
            else:
                with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                    cursor.execute(sql, [row_of_a.pk])
    with db_tenant(row_of_a.tenant_id), connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE id = %s", [row_of_a.pk])
        assert cursor.fetchone()[0] == 1


@model_param
@pytest.mark.postgres
@pytest.mark.django_db
def test_rls_shows_nothing_without_a_tenant_setting(model, row_of_a):
    table = connection.ops.quote_name(model._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] == 0


@model_param
@pytest.mark.postgres
@pytest.mark.django_db
def test_rls_refuses_inserting_a_row_for_a_from_b_context(model, row_of_a, tenant_b):
    # A fresh row for A that reuses A's row's related objects (already saved).
    related = {f.name: getattr(row_of_a, f.name) for f in model._meta.concrete_fields if f.is_relation}
    row = SCOPED_FACTORIES[model].build(**related)
    _seal_encrypted_fields_as_a(row)
    with scopes_disabled(), db_tenant(tenant_b.pk), _refused(model, "INSERT"):
        with transaction.atomic():
            # Model.save() refuses first; go below it, as a raw bulk insert would.
            model.objects.bulk_create([row])


@model_param
@pytest.mark.postgres
@pytest.mark.django_db
def test_rls_refuses_moving_a_row_to_another_tenant(model, row_of_a, tenant_b):
    table = connection.ops.quote_name(model._meta.db_table)
    with db_tenant(row_of_a.tenant_id), _refused(model, "UPDATE"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET tenant_id = %s WHERE id = %s", [tenant_b.pk, row_of_a.pk])


def _seal_encrypted_fields_as_a(row) -> None:
    """Encrypt the row's secret fields in A's own context first: from B's, encryption refuses before the database."""
    from apps.security_center.crypto.fields import EncryptedTextField
    from apps.tenancy.context import tenant_context

    fields = [f for f in row._meta.concrete_fields if isinstance(f, EncryptedTextField)]
    if fields:
        with tenant_context(row.tenant_id):
            for field in fields:
                row.__dict__[field.attname] = field.seal(row, getattr(row, field.attname) or field.empty_plain())
