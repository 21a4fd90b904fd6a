"""Extended planner statistics for tenant tables, created by migrations (decision 0035).

Why: every tenant table is filtered on ``tenant_id`` and then on a column whose values
depend on the tenant (a document's state, a bank line's status, a line's account). The
planner assumes independent columns and multiplies their selectivities, so with N
tenants it underestimates such a filter's rows by up to N and picks nested loops and
in-memory sorts that spill. ``CREATE STATISTICS (dependencies, ndistinct, mcv)`` on
the pair lets it see the correlation. PostgreSQL only; a no-op elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

KINDS = "dependencies, ndistinct, mcv"


def statistics_operation(specs: Sequence[tuple[str, str, Sequence[str]]]) -> tuple[Callable, Callable]:
    """(forward, backward) for ``RunPython``: specs are (statistics name, table, columns)."""

    def forward(apps, schema_editor) -> None:
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        q = connection.ops.quote_name
        tables = sorted({table for _name, table, _columns in specs})
        with connection.cursor() as cursor:
            for name, table, columns in specs:
                on = ", ".join(map(q, columns))
                cursor.execute(f"CREATE STATISTICS IF NOT EXISTS {q(name)} ({KINDS}) ON {on} FROM {q(table)}")
            for table in tables:  # fill them now rather than at the next autovacuum
                cursor.execute(f"ANALYZE {q(table)}")

    def backward(apps, schema_editor) -> None:
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for name, _table, _columns in specs:
                cursor.execute(f"DROP STATISTICS IF EXISTS {connection.ops.quote_name(name)}")

    return forward, backward
