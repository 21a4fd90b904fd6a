"""Resumable backfill: seal an existing plain column into an encrypted one, per tenant, in small transactions.

Why: turning a plain column into an :class:`~.fields.EncryptedTextField` needs
every existing value sealed under its tenant's data key, with its row id in
the associated data. On a large table that cannot be one transaction (locks,
a crash loses everything), so this works tenant by tenant, ``batch_size`` rows
per transaction, inside the tenant's context (``tenant_context``: ORM scope and
PostgreSQL ``app.tenant_id``, so row-level security applies as in the app). A
row whose sealed column is already filled is skipped, so a rerun after a crash
or a Ctrl-C resumes where it stopped. Progress goes to ``progress`` (default
``print``) as ``<label> tenant <id>: <done>/<total>`` after every batch.

Stable public API (other apps copy this file; keep these signatures):

``backfill_fields(model, fields, *, using="default", batch_size=200, tenant_ids=None, progress=print)``
    ``fields`` maps plain field name -> sealed field name, both on ``model``
    (a real model or a historical one from ``apps.get_model``). The sealed
    field must be an ``EncryptedTextField``/``EncryptedJSONField`` (its
    ``label`` is the AAD name) and nullable while the backfill runs: NULL
    means "not sealed yet". Plain NULL stays NULL; plain ``""`` is sealed as
    ``""``. Returns a :class:`BackfillReport`. Run it outside any transaction
    (``atomic = False``): inside one, the batches are only savepoints and
    nothing commits until the outer transaction does.

``backfill_migration(app_label, model_name, fields, *, batch_size=200)``
    A ``RunPython`` callable for a data migration. Use it in a migration with
    ``atomic = False`` that depends on ``("security_center", "0001_tenant_key")``
    (the key table) and on the migration adding the sealed columns::

        class Migration(migrations.Migration):
            atomic = False
            dependencies = [("security_center", "0001_tenant_key"), ("myapp", "0007_add_sealed")]
            operations = [
                migrations.RunPython(
                    backfill_migration("myapp", "Thing", {"note": "note_sealed"}), migrations.RunPython.noop
                )
            ]

    Then, in later migrations, remove the plain field, rename the sealed one
    to the old name, and make it non-null if the plain one was.

``count_pending(model, fields, *, tenant_id, using="default")``
    Rows of one tenant still to seal (inside no context; it opens its own).

From a management command, call ``backfill_fields`` with the real model and
``progress=self.stdout.write``. Keys come from :mod:`.keystore` (created on a
tenant's first use), so the key table must exist and the KEK be reachable.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, models

from apps.security_center.crypto import envelope
from apps.security_center.crypto.fields import EncryptedTextField
from apps.tenancy.context import tenant_context

__all__ = ["BackfillReport", "backfill_fields", "backfill_migration", "count_pending"]

Progress = Callable[[str], Any]


@dataclass
class BackfillReport:
    """What one run did: rows sealed now, and per (sealed label, tenant) the figures after the run."""

    sealed: int = 0
    tenants: int = 0
    # {(label, tenant_id): (done, total)} as of the last batch.
    progress: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return all(done == total for done, total in self.progress.values())


def _sealed_field(model: type[models.Model], name: str) -> EncryptedTextField:
    sealed = model._meta.get_field(name)
    if not isinstance(sealed, EncryptedTextField):
        raise ValueError(f"{model._meta.label}.{name} is not an encrypted field")
    if not sealed.null:
        raise ValueError(f"{model._meta.label}.{name} must be nullable while it is backfilled (NULL = not sealed)")
    return sealed


def _tenant_ids(model: type[models.Model], using: str) -> list[uuid.UUID]:
    tenant_model = model._meta.get_field("tenant").related_model
    return list(tenant_model._base_manager.using(using).order_by("pk").values_list("pk", flat=True))


def _rows(model: type[models.Model], using: str, tenant_id: uuid.UUID) -> models.QuerySet:
    # The base manager: historical models have no scoped manager; RLS and the tenant filter still apply.
    return model._base_manager.using(using).filter(tenant_id=tenant_id)


def _pending(model: type[models.Model], plain: str, sealed: str, using: str, tenant_id: uuid.UUID):
    return _rows(model, using, tenant_id).filter(**{f"{sealed}__isnull": True, f"{plain}__isnull": False})


def _with_plain(model: type[models.Model], plain: str, using: str, tenant_id: uuid.UUID):
    return _rows(model, using, tenant_id).filter(**{f"{plain}__isnull": False})


def count_pending(
    model: type[models.Model], fields: Mapping[str, str], *, tenant_id: uuid.UUID, using: str = DEFAULT_DB_ALIAS
) -> int:
    """Rows (summed over the field pairs) of one tenant whose plain value is not sealed yet."""
    with tenant_context(tenant_id, using):
        return sum(_pending(model, p, s, using, tenant_id).count() for p, s in fields.items())


def _seal_batch(
    model: type[models.Model], plain: str, sealed: EncryptedTextField, using: str, tenant_id: uuid.UUID, size: int
) -> int:
    """One transaction: seal up to ``size`` pending rows; compare-and-swap on "still NULL". Returns rows sealed."""
    done = 0
    with tenant_context(tenant_id, using):
        batch = list(
            _pending(model, plain, sealed.name, using, tenant_id).order_by("pk").values_list("pk", plain)[:size]
        )
        for pk, value in batch:
            sealed.check_plain(value)
            blob = envelope.encrypt(
                tenant_id=tenant_id, label=sealed.label, row_id=pk, plaintext=sealed.to_bytes(value)
            )
            done += (
                _rows(model, using, tenant_id)
                .filter(pk=pk, **{f"{sealed.name}__isnull": True})
                .update(**{sealed.name: blob})
            )
    return done if batch else -1


def backfill_fields(
    model: type[models.Model],
    fields: Mapping[str, str],
    *,
    using: str = DEFAULT_DB_ALIAS,
    batch_size: int = 200,
    tenant_ids: Iterable[uuid.UUID] | None = None,
    progress: Progress | None = print,
) -> BackfillReport:
    """Seal every tenant's plain values into the sealed fields; resumable. See the module docstring."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    pairs = [(plain, _sealed_field(model, sealed)) for plain, sealed in fields.items()]
    for plain, _sealed in pairs:
        model._meta.get_field(plain)  # FieldDoesNotExist early, not after the first tenant
    report = BackfillReport()
    say = progress or (lambda _line: None)
    for tenant_id in list(tenant_ids) if tenant_ids is not None else _tenant_ids(model, using):
        touched = False
        for plain, sealed in pairs:
            with tenant_context(tenant_id, using):
                total = _with_plain(model, plain, using, tenant_id).count()
                pending = _pending(model, plain, sealed.name, using, tenant_id).count()
            if total == 0:
                continue
            touched = True
            done = total - pending
            key = (sealed.label, str(tenant_id))
            report.progress[key] = (done, total)
            say(f"{sealed.label} tenant {tenant_id}: {done}/{total}")
            while done < total:
                sealed_now = _seal_batch(model, plain, sealed, using, tenant_id, batch_size)
                if sealed_now <= 0:  # nothing left (or rows vanished meanwhile): stop, never spin
                    break
                done += sealed_now
                report.sealed += sealed_now
                report.progress[key] = (done, total)
                say(f"{sealed.label} tenant {tenant_id}: {done}/{total}")
        report.tenants += 1 if touched else 0
    return report


def backfill_migration(
    app_label: str, model_name: str, fields: Mapping[str, str], *, batch_size: int = 200
) -> Callable[[Any, Any], None]:
    """A ``RunPython`` forward function running :func:`backfill_fields` on the historical model."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        backfill_fields(model, fields, using=schema_editor.connection.alias, batch_size=batch_size)

    forwards.__name__ = f"backfill_{app_label}_{model_name.lower()}"
    return forwards
