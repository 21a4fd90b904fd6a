"""Encrypted model fields for tenant-scoped models with client-generated UUID primary keys.

``EncryptedTextField(label="hmrc.refresh_token")`` stores a sealed blob
(binary column, see :mod:`.envelope`). ``from_db_value`` cannot see the row, so
loading gives a :class:`Sealed` value and the descriptor opens it on first
read, with the instance's ``tenant_id`` and ``pk`` (inside that tenant's
context). Assign plain text and ``save()``: the value is sealed in
``pre_save``. Anything that bypasses the instance gets ciphertext-only
semantics: ``queryset.update(field="plain")`` and ``filter(field="plain")``
raise ``TypeError`` instead of storing or comparing plain text (look values up
with a blind index). ``bulk_update`` is refused the same way; use ``save()``.

Saving re-seals every value that was read or assigned, under the tenant's
active data key, so rewritten rows move to the newest key version by
themselves; a value never read keeps its bytes (unless the row's tenant or pk
changed, when it is re-sealed for the new row).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from django.core import checks
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import signals
from django.db.models.query_utils import DeferredAttribute

from apps.security_center.crypto import envelope

NOT_LOADED = object()
SERIALIZED_PREFIX = "sealed:v1:"
# Set on an instance during a raw save (loaddata, deserialisation): Django then reads attributes instead of
# calling pre_save, and the stored ciphertext must be written back as it is, not opened.
RAW_SAVE = "_encrypted_fields_raw_save"


def _mark_raw_save(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        instance.__dict__[RAW_SAVE] = True


def _unmark_raw_save(sender, instance, **kwargs) -> None:
    instance.__dict__.pop(RAW_SAVE, None)


class Sealed(bytes):
    """Ciphertext as loaded from the database, not opened yet; ``binding`` = (tenant_id, pk) it was loaded for."""

    binding: tuple[str, str] | None = None

    def __repr__(self) -> str:
        return f"<Sealed {len(self)} bytes>"


def _identity(instance: models.Model) -> tuple[str, str] | None:
    tenant_id = instance.__dict__.get("tenant_id")
    pk = instance.__dict__.get(instance._meta.pk.attname)
    if tenant_id is None or pk is None:
        return None
    return str(tenant_id), str(pk)


class EncryptedDescriptor(DeferredAttribute):
    """Opens a Sealed value on first read; stores assigned plain values as they are until save()."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed) and not instance.__dict__.get(RAW_SAVE):
            value = self.field.open(instance, value)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance, value) -> None:
        if isinstance(value, bytes | bytearray | memoryview) and not isinstance(value, Sealed):
            raise TypeError(
                f"{self.field.model.__name__}.{self.field.name} takes the plain value; it seals it on save()"
            )
        if isinstance(value, Sealed) and value.binding is None:
            value.binding = _identity(instance)
        if value is not None and not isinstance(value, Sealed):
            self.field.check_plain(value)
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.BinaryField):
    """A text value sealed with the tenant's data key. ``label`` is the stable AAD name; never change it."""

    descriptor_class = EncryptedDescriptor
    empty_strings_allowed = True

    def __init__(self, *args: Any, label: str, **kwargs: Any) -> None:
        envelope.associated_data(tenant_id="00000000-0000-0000-0000-000000000000", label=label, row_id="check")
        self.label = label
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        if not cls._meta.abstract:
            uid = f"encrypted-fields-raw-{cls.__module__}.{cls.__qualname__}"
            signals.pre_save.connect(_mark_raw_save, sender=cls, weak=False, dispatch_uid=uid)
            signals.post_save.connect(_unmark_raw_save, sender=cls, weak=False, dispatch_uid=uid)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        kwargs["label"] = self.label
        return name, "apps.security_center.crypto.fields." + type(self).__name__, args, kwargs

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        model = getattr(self, "model", None)
        if model is None or model._meta.abstract:
            return errors
        names = {f.attname for f in model._meta.concrete_fields}
        if "tenant_id" not in names or not isinstance(model._meta.pk, models.UUIDField):
            errors.append(
                checks.Error(
                    f"{type(self).__name__} needs a tenant-scoped model with a UUID primary key",
                    hint="Inherit apps.tenancy.models.TenantScopedModel.",
                    obj=self,
                    id="security_center.E001",
                )
            )
        return errors

    # --- plain value <-> bytes ---------------------------------------------
    def check_plain(self, value: Any) -> None:
        if not isinstance(value, str):
            raise TypeError(f"{self.model.__name__}.{self.name} holds text, not {type(value).__name__}")

    def to_bytes(self, value: Any) -> bytes:
        return value.encode("utf-8")

    def from_bytes(self, data: bytes) -> Any:
        return data.decode("utf-8")

    # --- sealing --------------------------------------------------------------
    def open(self, instance: models.Model, sealed: Sealed) -> Any:
        tenant_id, pk = sealed.binding or _identity(instance) or (instance.tenant_id, instance.pk)
        plain = envelope.decrypt(tenant_id=tenant_id, label=self.label, row_id=pk, blob=bytes(sealed))
        return self.from_bytes(plain)

    def seal(self, instance: models.Model, value: Any) -> Sealed:
        blob = Sealed(
            envelope.encrypt(
                tenant_id=instance.tenant_id, label=self.label, row_id=instance.pk, plaintext=self.to_bytes(value)
            )
        )
        blob.binding = (str(instance.tenant_id), str(instance.pk))
        return blob

    def get_default(self) -> Any:
        if self.has_default():
            return self.default() if callable(self.default) else self.default
        return None if self.null else self.empty_plain()

    def empty_plain(self) -> Any:
        return ""

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname, NOT_LOADED)
        if value is NOT_LOADED:  # deferred, yet named in update_fields: load (and open) it
            value = getattr(model_instance, self.attname)
        if value is None:
            return None
        if isinstance(value, Sealed):
            here = (str(model_instance.tenant_id), str(model_instance.pk))
            if value.binding is None or value.binding == here:
                return value
            value = self.open(model_instance, value)  # moved to another row: re-seal it for that row
        return self.seal(model_instance, value)

    # --- database boundary ----------------------------------------------------
    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Sealed | None:
        return None if value is None else Sealed(bytes(value))

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if not isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(
                f"{type(self).__name__} {self.label!r} stores ciphertext only: assign the value on the instance "
                "and call save() (queryset.update() and filter() cannot take plain values)"
            )
        if not envelope.looks_sealed(value):
            raise ValueError(f"refusing to write bytes that are not an encrypted value to {self.label!r}")
        return connection.Database.Binary(bytes(value))

    def to_python(self, value: Any) -> Any:
        # The serialized form (dumpdata) is prefixed base64 of the ciphertext; any other value is a plain
        # value (full_clean() passes plain text through here) and stays as it is.
        if isinstance(value, str) and value.startswith(SERIALIZED_PREFIX):
            return Sealed(base64.b64decode(value[len(SERIALIZED_PREFIX) :].encode("ascii")))
        if isinstance(value, bytes | bytearray | memoryview) and not isinstance(value, Sealed):
            return Sealed(bytes(value))
        return value

    def value_to_string(self, obj: models.Model) -> str:
        """Serialize the ciphertext (dumpdata never decrypts); unsaved plain values are sealed first."""
        value = obj.__dict__.get(self.attname)
        if value is None:
            return ""
        if not isinstance(value, Sealed):
            value = self.seal(obj, value)
        return SERIALIZED_PREFIX + base64.b64encode(bytes(value)).decode("ascii")

    def formfield(self, **kwargs: Any):
        from django import forms

        return super(models.BinaryField, self).formfield(**{"form_class": forms.CharField, **kwargs})


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (dict, list, str, number, bool) sealed as UTF-8 JSON. SQL NULL stands for None."""

    def check_plain(self, value: Any) -> None:
        try:
            json.dumps(value, cls=DjangoJSONEncoder)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{self.model.__name__}.{self.name} holds JSON, not {type(value).__name__}") from exc

    def to_bytes(self, value: Any) -> bytes:
        return json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def from_bytes(self, data: bytes) -> Any:
        return json.loads(data.decode("utf-8"))

    def empty_plain(self) -> Any:
        return {}
