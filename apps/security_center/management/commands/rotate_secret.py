"""manage.py rotate_secret NAME [--stdin]

Stores a new version of one secret in the configured backend (generated, or
read from standard input with ``--stdin`` so it never appears in the shell
history or the process list), keeps the previous one, and writes an audit
event. See docs/runbooks/secret-rotation.md for what to do next per secret.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.security_center.secrets.base import SECRET_KEY, SecretError
from apps.security_center.secrets.database import DATABASE_CREDENTIALS
from apps.security_center.secrets.rotation import retire_previous_database_login, rotate_secret
from apps.tenancy.management.base import TenantCommand


class Command(BaseCommand):
    help = "Rotate one secret (secret_key, hmrc_client_secret, companies_house_api_key, bank_feed_api_key, ...)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="The secret's name, e.g. secret_key or bank_feed_api_key.")
        parser.add_argument("--stdin", action="store_true", help="Read the new value from standard input.")
        parser.add_argument(
            "--retire-previous",
            action="store_true",
            help="database_credentials only: take LOGIN from the login role the last rotation moved away from.",
        )

    def handle(self, *args: Any, name: str, stdin: bool, retire_previous: bool, **options: Any) -> None:
        value = sys.stdin.readline().rstrip("\n") if stdin else None
        if retire_previous:
            if name != DATABASE_CREDENTIALS:
                raise CommandError("--retire-previous applies to database_credentials only")
            try:
                role = retire_previous_database_login(actor_label=TenantCommand.operator_label())
            except SecretError as exc:
                raise CommandError(f"{name}: not retired: {exc.message}") from None
            self.stdout.write(f"Retired the database login {role}: open sessions finish, new ones are refused.")
            return
        try:
            rotation = rotate_secret(name, value=value, actor_label=TenantCommand.operator_label())
        except SecretError as exc:
            raise CommandError(f"{name}: not rotated: {exc.message}") from None
        self.stdout.write(f"Rotated {rotation}.")
        if name == DATABASE_CREDENTIALS:
            self.stdout.write(
                "New connections use the new login from the next request (workers: restart them); when every "
                "process has moved, run: manage.py rotate_secret database_credentials --retire-previous"
            )
        elif name == SECRET_KEY:
            self.stdout.write(
                f"Restart web and workers: the new key signs, {rotation.fallbacks_kept} previous version(s) still "
                "verify (SECRET_KEY_FALLBACKS)."
            )
        else:
            self.stdout.write(f"Every process uses the new value within {settings.SECRETS_TTL_SECONDS:g} s.")
