"""SECURITY DEFINER functions that read one person's businesses in one query (decision 0042).

Why: every tenant table forces row-level security on the transaction-local
``app.tenant_id`` (one business at a time), so a page that shows figures for
each of a person's businesses would otherwise enter each business in turn: a
pass per business. Like the SLO functions (observability 0003, onboarding
0005), a definer function owned by the table owner visits the businesses in a
loop, setting ``app.tenant_id`` for each, and restores the caller's setting.
Unlike those, it visits only the businesses the given person is an active
member of (memberships are read inside the function, so a caller cannot
widen it), and returns counts and states, no tenant text. Only the
application role may execute it. PostgreSQL only; SQLite (the demo) reads
business by business instead.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection

MEMBER_LOOP = """
DECLARE
  t uuid;
  previous text := current_setting('app.tenant_id', true);
BEGIN
  FOR t IN
    SELECT m.tenant_id FROM tenancy_membership m
    JOIN accounts_user u ON u.id = m.user_id
    JOIN tenancy_tenant b ON b.id = m.tenant_id
    WHERE m.user_id = p_user AND u.is_active AND m.tenant_id = ANY(p_tenants)
      AND b.status IN ('onboarding', 'active')
  LOOP
    PERFORM set_config('app.tenant_id', t::text, true);
    RETURN QUERY {body};
  END LOOP;
  PERFORM set_config('app.tenant_id', coalesce(previous, ''), true);
END"""


def member_function_sql(name: str, returns: str, body: str) -> str:
    """``name(p_user bigint, p_tenants uuid[]) RETURNS TABLE(returns)``: ``body`` runs once per business ``t``."""
    return (
        f"CREATE OR REPLACE FUNCTION {name}(p_user bigint, p_tenants uuid[])\n"
        f"RETURNS TABLE({returns})\n"
        "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$"
        + MEMBER_LOOP.format(body=body)
        + " $$;\n"
        f"REVOKE ALL ON FUNCTION {name}(bigint, uuid[]) FROM PUBLIC;"
    )


def install_member_function(schema_editor, name: str, returns: str, body: str) -> None:
    """Create the function (PostgreSQL only) and let the application role, and only it, execute it."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    schema_editor.execute(member_function_sql(name, returns, body), params=None)
    role = settings.DATABASE_APP_ROLE
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() and role != connection.settings_dict.get("USER"):
            quoted = connection.ops.quote_name(role)
            cursor.execute(f"GRANT EXECUTE ON FUNCTION {name}(bigint, uuid[]) TO {quoted}")


def drop_member_function(schema_editor, name: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}(bigint, uuid[])", params=None)


def call_member_function(name: str, user_id: int, tenant_ids: list) -> list[tuple]:
    """Rows of the function for ``user_id``'s businesses among ``tenant_ids`` (PostgreSQL only)."""
    if not name.isidentifier():
        raise ValueError(f"Not a function name: {name!r}")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {name}(%s, %s::uuid[])", [user_id, [str(t) for t in tenant_ids]])  # noqa: S608
        return list(cursor.fetchall())
