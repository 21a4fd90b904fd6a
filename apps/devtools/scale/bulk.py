"""``COPY`` into a temporary table, then ``INSERT ... SELECT`` into the real one inside ``tenant_context``.

Why: ``bulk_create`` spends most of its time compiling SQL and binding parameters; ``COPY`` streams rows.
The final INSERT runs as the application role in the tenant's transaction, so row-level security's WITH
CHECK, the constraints and the triggers (ledger balance, audit chain, the documents' state tally) hold for
every row exactly as they do for the product's own writes (COPY straight into a table with row-level
security is refused by PostgreSQL, hence the temporary table).

``copy_rows`` takes plain dicts (attribute name to value), not model instances: building 200,000 instances
cost more than writing them. Each value still goes through its model field: an encrypted field's own
``to_bytes`` and ``get_db_prep_value`` around the tenant's sealer (``envelope.sealer``: one key lookup per
business, a fresh nonce and the row's own associated data per value, so the bytes are what ``save()``
stores and the product opens them), a JSON field's ``get_db_prep_save``, a field left out its default
(``auto_now_add`` stamps: now). ``copy_insert`` keeps the instance path for the few rows made by services.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

from apps.security_center.crypto.fields import EncryptedTextField

Sealer = Callable[[str, object, bytes], bytes]
PLAIN, SEALED, ADAPTED = 0, 1, 2


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.generated]


def _stream(model: type[models.Model], fields: list[models.Field], rows: list[list[Any]]) -> int:
    """COPY ``rows`` (values in ``fields`` order, ready for the driver) into a temp table, then INSERT them."""
    connection = connections[DEFAULT_DB_ALIAS]
    table = connection.ops.quote_name(model._meta.db_table)
    temp = connection.ops.quote_name(f"bench_copy_{model._meta.db_table}")
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {temp} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        with cursor.cursor.copy(f"COPY {temp} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {temp}")  # noqa: S608
        cursor.execute(f"TRUNCATE {temp}")
    return len(rows)


def copy_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]], *, seal: Sealer) -> int:
    """Insert ``rows`` of ``model`` (dicts by attribute name, ids set) in one COPY and one INSERT."""
    if not rows:
        return 0
    connection = connections[DEFAULT_DB_ALIAS]
    fields = _fields(model)
    pk = model._meta.pk.attname
    now = timezone.now()
    plan = []
    for f in fields:
        kind = SEALED if isinstance(f, EncryptedTextField) else ADAPTED if isinstance(f, models.JSONField) else PLAIN
        stamped = getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)
        plan.append((f, f.attname, kind, stamped))
    out = []
    for row in rows:
        values = []
        for f, name, kind, stamped in plan:
            value = row[name] if name in row else now if stamped else f.get_default()
            if value is None:
                pass
            elif kind == SEALED:
                value = f.get_db_prep_value(seal(f.label, row[pk], f.to_bytes(value)), connection)
            elif kind == ADAPTED:
                value = f.get_db_prep_save(value, connection)
            values.append(value)
        out.append(values)
    return _stream(model, fields, out)


def _value(field: models.Field, obj: models.Model, connection) -> Any:
    stamped = getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False)
    if stamped and getattr(obj, field.attname, None) is not None:
        value = getattr(obj, field.attname)
    else:
        value = field.pre_save(obj, True)
    return field.get_db_prep_save(value, connection)


def copy_insert(objs: Sequence[models.Model]) -> int:
    """Insert ``objs`` (all of one model, ids set) through their fields' ``pre_save``; return how many."""
    if not objs:
        return 0
    model = type(objs[0])
    fields = _fields(model)
    connection = connections[DEFAULT_DB_ALIAS]
    # Values first: sealing may read the tenant's data key, and no query can run while COPY streams.
    return _stream(model, fields, [[_value(f, obj, connection) for f in fields] for obj in objs])
