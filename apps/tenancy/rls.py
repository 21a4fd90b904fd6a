"""PostgreSQL row-level security: the second wall behind the ORM scope.

After every ``migrate`` (run as the table owner) :func:`on_post_migrate`

1. gives the application role exactly the table privileges each model declares
   (``app_role_privileges`` on the model class; SELECT/INSERT/UPDATE/DELETE by
   default), table by table, so a table created by hand or by a raw-SQL
   migration (the audit chain head) stays closed to it;
2. enables and forces row-level security on every tenant-scoped table and
   (re)creates the ``tenant_isolation`` policy on ``app_current_tenant()``.

It is idempotent, so it is safe on every migrate, and it is the only place
that writes these policies: a new tenant-scoped model is covered the moment its
migration runs. The system check in ``checks.py`` verifies the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps as global_apps
from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

POLICY_NAME = "tenant_isolation"
DEFAULT_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
# Tables that exist without a model of ours: what the application role may do there.
EXTRA_TABLE_PRIVILEGES = {"django_migrations": ("SELECT",)}


def tenant_scoped_models(registry=global_apps) -> list[type[Model]]:
    from apps.tenancy.models import TenantScopedModel

    return [m for m in registry.get_models() if issubclass(m, TenantScopedModel)]


def rls_protected_tables(registry=global_apps) -> dict[str, str]:
    """Every table that must have forced RLS: table name -> the reason it must."""
    tables = {m._meta.db_table: f"{m._meta.label} is tenant-scoped" for m in tenant_scoped_models(registry)}
    for model in registry.get_models():
        if getattr(model, "rls_protected", False):
            tables[model._meta.db_table] = f"{model._meta.label} declares rls_protected"
    return tables


def _q(connection: BaseDatabaseWrapper, name: str) -> str:
    return connection.ops.quote_name(name)


def policy_sql(connection: BaseDatabaseWrapper, table: str) -> list[str]:
    t = _q(connection, table)
    return [
        f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY_NAME} ON {t}",
        f"CREATE POLICY {POLICY_NAME} ON {t} AS PERMISSIVE FOR ALL TO PUBLIC "
        f"USING (tenant_id = (SELECT app_current_tenant())) "
        f"WITH CHECK (tenant_id = (SELECT app_current_tenant()))",
    ]


def existing_tables(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def apply_grants(connection: BaseDatabaseWrapper, role: str, registry=global_apps) -> None:
    tables = existing_tables(connection)
    r = _q(connection, role)
    privileges: dict[str, Iterable[str]] = dict(EXTRA_TABLE_PRIVILEGES)
    for model in registry.get_models(include_auto_created=True):
        privileges[model._meta.db_table] = getattr(model, "app_role_privileges", DEFAULT_PRIVILEGES)
    with connection.cursor() as cursor:
        for table, privs in sorted(privileges.items()):
            if table not in tables:
                continue
            t = _q(connection, table)
            cursor.execute(f"REVOKE ALL ON {t} FROM {r}")
            if privs:
                cursor.execute(f"GRANT {', '.join(privs)} ON {t} TO {r}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}")


def apply_policies(connection: BaseDatabaseWrapper, registry=global_apps) -> list[str]:
    tables = existing_tables(connection)
    applied = []
    with connection.cursor() as cursor:
        for model in tenant_scoped_models(registry):
            table = model._meta.db_table
            if table in tables:
                for statement in policy_sql(connection, table):
                    cursor.execute(statement)
                applied.append(table)
    return applied


def role_exists(connection: BaseDatabaseWrapper, role: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        return cursor.fetchone() is not None


def on_post_migrate(sender, using: str, apps=None, **kwargs) -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    role = settings.DATABASE_APP_ROLE
    if role_exists(connection, role) and role != connection.settings_dict.get("USER"):
        apply_grants(connection, role)
    apply_policies(connection)


@dataclass(frozen=True)
class TableProtection:
    table: str
    rls_enabled: bool
    rls_forced: bool
    policies: int

    @property
    def ok(self) -> bool:
        return self.rls_enabled and self.rls_forced and self.policies > 0


def table_protection(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> dict[str, TableProtection]:
    """What the catalog says about each table that exists (absent tables are left out)."""
    names = list(tables)
    if not names:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
            FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
              AND c.relname = ANY(%s)
            """,
            [names],
        )
        return {row[0]: TableProtection(*row) for row in cursor.fetchall()}
