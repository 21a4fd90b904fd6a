"""``field__in_rows_of=<queryset>``: the subquery's rows read first, then the table by its index on ``field``.

Why not ``__in``: for ``x IN (SELECT ...)`` PostgreSQL estimates the subquery's rows from its conditions, and
a condition such as "dated in these ranges, numbered above these watermarks" is estimated as independent
columns, far too many rows; the planner then reads the outer table whole (every journal line of a business)
and filters it. ``x = ANY(ARRAY(SELECT ...))`` runs the subquery once, as an init plan, and probes the index
for each row it returned, so the cost follows what the subquery found, not the table. Measured on the VAT
period figures at 10,000 documents: 55 ms against 12 ms (decision 0034). Other databases get the plain ``IN``.
"""

from __future__ import annotations

from django.db.models import ForeignKey, Lookup, UUIDField


class InRowsOf(Lookup):
    lookup_name = "in_rows_of"

    def _sides(self, compiler, connection) -> tuple[str, str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if not rhs.startswith("("):
            rhs = f"({rhs})"
        return lhs, rhs, [*lhs_params, *rhs_params]

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        lhs, rhs, params = self._sides(compiler, connection)
        return f"{lhs} IN {rhs}", params

    def as_postgresql(self, compiler, connection) -> tuple[str, list]:
        lhs, rhs, params = self._sides(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", params


ForeignKey.register_lookup(InRowsOf)
UUIDField.register_lookup(InRowsOf)
