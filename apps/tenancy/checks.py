"""System check: every tenant-scoped table on PostgreSQL has forced RLS and a policy.

Runs with the database tag (``manage.py check --database default``, and on
every ``migrate``). A table not yet created is skipped: its migration's
post_migrate hook will protect it.
"""

from __future__ import annotations

from django.core.checks import Error, Tags, register
from django.db import connections


@register(Tags.database)
def check_row_level_security(app_configs=None, databases=None, **kwargs) -> list[Error]:
    from apps.tenancy.rls import rls_protected_tables, table_protection

    errors: list[Error] = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        required = rls_protected_tables()
        for table, status in sorted(table_protection(connection, required).items()):
            if status.ok:
                continue
            missing = [
                label
                for label, present in (
                    ("ENABLE ROW LEVEL SECURITY", status.rls_enabled),
                    ("FORCE ROW LEVEL SECURITY", status.rls_forced),
                    ("a policy", status.policies > 0),
                )
                if not present
            ]
            errors.append(
                Error(
                    f"Table {table} ({required[table]}) lacks {', '.join(missing)} on database '{alias}'.",
                    hint="Run `manage.py migrate --database owner`; its post_migrate hook applies the policy.",
                    id="tenancy.E001",
                )
            )
    return errors
