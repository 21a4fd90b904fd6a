"""Send the sandbox's tables to their own database alias when there is one.

In the embedded demo (SQLite), a portal request may hold a write transaction on
var/strongroom.sqlite3 while it calls the sandbox over HTTP on the same
runserver: were the sandbox's tables in the same file, its writes would wait
for that transaction and fail with "database is locked". Settings add a
"sandbox" alias (var/sandbox.sqlite3) only in that mode; everywhere else
(tests, PostgreSQL) there is no such alias and this router has no opinion.
"""

from __future__ import annotations

from django.conf import settings

ALIAS = "sandbox"
APP_LABEL = "sandbox"


def _has_alias() -> bool:
    return ALIAS in settings.DATABASES


class SandboxRouter:
    def db_for_read(self, model, **hints) -> str | None:
        if model._meta.app_label == APP_LABEL and _has_alias():
            return ALIAS
        return None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        if not _has_alias():
            return None
        in_sandbox = {obj1._meta.app_label == APP_LABEL, obj2._meta.app_label == APP_LABEL}
        # Within one side: no opinion (the default rules apply); across the two files: never.
        return None if len(in_sandbox) == 1 else False

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool | None:
        if not _has_alias():
            return None
        if app_label == APP_LABEL:
            return db == ALIAS
        if db == ALIAS:
            return False
        return None


def db_alias() -> str:
    """The alias the sandbox's models live on (for transaction.atomic(using=...))."""
    return ALIAS if _has_alias() else "default"
