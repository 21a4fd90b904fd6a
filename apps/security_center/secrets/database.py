"""Database credentials rotated with two overlapping login roles, so no connection is ever refused.

Why two login roles: a password change cannot be seen by every process at the
same instant. The privileges (and the RLS policies, which name no role) belong
to the group role ``DATABASE_APP_ROLE``; two login roles ``<prefix>_a`` and
``<prefix>_b`` are members of it. A rotation gives the idle one a fresh
password and LOGIN, checks that it can connect and read, and stores
``{"user", "password"}`` as a new version of ``database_credentials``.
Processes already connected keep their sessions; each process's next new
connection uses the new login (``refresh_database_credentials`` on every
request, through the provider's TTL cache; workers at restart). Once every
process has moved, ``retire_previous_login`` takes LOGIN away from the old one.
Changing roles needs an administrative connection (``DATABASE_ROTATION_ADMIN_URL``:
a superuser or a CREATEROLE role); the application's own role never can.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass

from apps.security_center.secrets.base import SecretBackendError, SecretError, SecretNotFound
from apps.security_center.secrets.provider import SecretsProvider

logger = logging.getLogger(__name__)

DATABASE_CREDENTIALS = "database_credentials"


class DatabaseRotationError(SecretError):
    """The database refused a step of the rotation; nothing was stored, the current login is unchanged."""

    status = 503
    code = "database_rotation_failed"


@dataclass(frozen=True)
class DatabaseLogin:
    user: str
    password: str

    def __repr__(self) -> str:
        return f"DatabaseLogin(user={self.user!r})"

    @classmethod
    def parse(cls, value: str) -> DatabaseLogin:
        try:
            data = json.loads(value)
            return cls(str(data["user"]), str(data["password"]))
        except (ValueError, KeyError, TypeError):
            raise SecretBackendError(f"the secret {DATABASE_CREDENTIALS!r} is not {{user, password}} JSON") from None

    def dumps(self) -> str:
        return json.dumps({"user": self.user, "password": self.password})


def current_login(provider: SecretsProvider) -> DatabaseLogin | None:
    value = provider.get_optional(DATABASE_CREDENTIALS)
    return DatabaseLogin.parse(value) if value else None


def apply_login(settings_dict: MutableMapping, login: DatabaseLogin | None) -> bool:
    """Point a database's settings at ``login`` (new connections only); True when they changed."""
    if login is None or (settings_dict.get("USER"), settings_dict.get("PASSWORD")) == (login.user, login.password):
        return False
    settings_dict["USER"], settings_dict["PASSWORD"] = login.user, login.password
    return True


def refresh_database_credentials(sender=None, *, settings_dict: MutableMapping | None = None, **kwargs) -> None:
    """request_started receiver: the default database's next connection uses the current login.

    Cheap (the provider's cache); a provider outage keeps the login in use (it still works: overlap).
    """
    from django.db import connections

    from apps.security_center.secrets import get_provider

    target = settings_dict if settings_dict is not None else connections["default"].settings_dict
    if target.get("ENGINE", "").endswith("sqlite3"):
        return
    try:
        if apply_login(target, current_login(get_provider())):
            logger.info("database login switched to %s for new connections", target["USER"])
    except SecretError as exc:
        logger.warning("database credentials not refreshed: %s", exc.message)


def login_roles(prefix: str) -> tuple[str, str]:
    return f"{prefix}_a", f"{prefix}_b"


def _connect(dsn: str | dict):
    import psycopg

    return (
        psycopg.connect(**dsn, connect_timeout=5) if isinstance(dsn, dict) else psycopg.connect(dsn, connect_timeout=5)
    )


def rotate_database_login(
    *, provider: SecretsProvider, admin_dsn: str, group_role: str, login_prefix: str, database: dict
) -> tuple[DatabaseLogin | None, DatabaseLogin]:
    """Give the idle login role a new password and LOGIN, prove it connects, store it. Returns (old, new).

    ``database`` holds the connection parameters (host, port, dbname) the application uses.
    """
    import psycopg
    from psycopg import sql

    try:
        old = DatabaseLogin.parse(provider.backend.read(DATABASE_CREDENTIALS).current.value)
    except SecretNotFound:
        old = None
    first, second = login_roles(login_prefix)
    target = second if old is not None and old.user == first else first
    new = DatabaseLogin(target, secrets.token_urlsafe(32))
    try:
        with _connect(admin_dsn) as admin, admin.cursor() as cursor:
            admin.autocommit = True
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [target])
            role = sql.Identifier(target)
            if cursor.fetchone() is None:
                cursor.execute(
                    sql.SQL("CREATE ROLE {} LOGIN INHERIT NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE").format(role)
                )
            cursor.execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(role, sql.Literal(new.password)))
            cursor.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group_role), role))
        with _connect({**database, "user": new.user, "password": new.password}) as check, check.cursor() as cursor:
            cursor.execute("SELECT current_user, (SELECT count(*) FROM django_migrations)")
            if cursor.fetchone()[0] != new.user:
                raise DatabaseRotationError("the new login connected as someone else")
    except psycopg.Error as exc:
        raise DatabaseRotationError(f"database login rotation to {target} failed: {type(exc).__name__}") from None
    provider.backend.write(DATABASE_CREDENTIALS, new.dumps())
    provider.forget(DATABASE_CREDENTIALS)
    return old, new


def retire_login(*, admin_dsn: str, role: str) -> None:
    """Take LOGIN (and the password) from a login role no process should use any more.

    Sessions already open are not cut (PostgreSQL checks LOGIN at connection time only).
    """
    import psycopg
    from psycopg import sql

    try:
        with _connect(admin_dsn) as admin, admin.cursor() as cursor:
            admin.autocommit = True
            cursor.execute(sql.SQL("ALTER ROLE {} NOLOGIN PASSWORD NULL").format(sql.Identifier(role)))
    except psycopg.Error as exc:
        raise DatabaseRotationError(f"retiring the login {role} failed: {type(exc).__name__}") from None


def previous_login_role(provider: SecretsProvider, login_prefix: str) -> str:
    """The login role not in use now (the one to retire)."""
    try:
        login = DatabaseLogin.parse(provider.backend.read(DATABASE_CREDENTIALS).current.value)
    except SecretNotFound:
        raise DatabaseRotationError("no database login has been rotated in yet") from None
    first, second = login_roles(login_prefix)
    return second if login.user == first else first
