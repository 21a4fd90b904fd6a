"""manage.py seed_demo: fictitious businesses and people for the embedded demo.

Passwords are generated here, at set-up, and kept in var/demo-logins.txt
(git-ignored, mode 600) so that ``make demo`` can show them again. The staff
admin's TOTP secret and backup codes are printed once and never stored.
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from apps.documents.services.upload import upload_document
from apps.permissions.models import StaffRoleGrant
from apps.tenancy.models import Role, Tenant
from apps.tenancy.services import add_member, create_tenant

DEMO_DOMAIN = "demo.strongroom.test"
# Golden documents the demo starts with: born-digital and scanned, posted and for review.
DEMO_SAMPLES = ("001-", "003-", "013-", "021-", "026-", "031-", "033-")
PEOPLE = [
    ("owner", "Olive Hartley", False),
    ("bookkeeper", "Bilal Chowdhury", False),
    ("admin", "Ada Staffwell", True),
    ("security", "Sol Okafor", True),
]
# Staff roles: the admin asks for access to a business, the security officer approves it (never their own).
STAFF_ROLES = {"admin": ("platform_admin", "support"), "security": ("security_officer",)}


def _logins_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-logins.txt"


class Command(BaseCommand):
    help = "Seed the demo: two businesses, an owner, a bookkeeper, a staff admin and a security officer (TOTP)."

    def handle(self, *args, **options) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError("seed_demo refuses to run in production.")
        if User.objects.filter(email=f"owner@{DEMO_DOMAIN}").exists():
            self.stdout.write("The demo is already seeded.")
            self._print_logins()
            return
        with transaction.atomic():
            passwords = self._seed()
        path = _logins_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{email}\t{pw}\n" for email, pw in passwords.items()))
        path.chmod(0o600)
        self._print_logins()

    def _seed(self) -> dict[str, str]:
        passwords: dict[str, str] = {}
        users: dict[str, User] = {}
        for key, name, staff in PEOPLE:
            email = f"{key}@{DEMO_DOMAIN}"
            passwords[email] = f"{secrets.token_urlsafe(9)}-{secrets.randbelow(90) + 10}"
            users[key] = User.objects.create_user(
                email, passwords[email], full_name=name, is_staff=staff, is_superuser=key == "admin"
            )
            for role in STAFF_ROLES.get(key, ()):
                StaffRoleGrant.objects.create(user=users[key], role=role, reason="demo")
        bakery = create_tenant(
            name="Hollybush Bakery Ltd",
            slug="hollybush-bakery",
            owner=users["owner"],
            vat_number="GB980780684",
            company_number="09876543",
            status=Tenant.Status.ACTIVE,
        )
        studio = create_tenant(
            name="Quayside Design Studio LLP",
            slug="quayside-design",
            owner=users["owner"],
            company_number="OC412345",
            status=Tenant.Status.ACTIVE,
        )
        for tenant in (bakery, studio):
            add_member(tenant=tenant, user=users["bookkeeper"], role=Role.BOOKKEEPER, actor=users["owner"])
        self._enrol_staff(users["admin"], "Staff admin")
        self._enrol_staff(users["security"], "Security officer")
        self._upload_samples(bakery, users["bookkeeper"])
        return passwords

    def _upload_samples(self, tenant: Tenant, user: User) -> None:
        """A few golden-set documents, read in-process, so the demo opens on real work."""
        from golden.cases import load_cases

        samples = [c for c in load_cases(group="good") if c.file.startswith(DEMO_SAMPLES)]
        for case in samples:
            upload_document(tenant=tenant, content=case.content(), filename=case.file, uploaded_by=user)
        self.stdout.write(f"Uploaded {len(samples)} sample documents to {tenant.name} (read in-process).")

    def _enrol_staff(self, person: User, title: str) -> None:
        device = TOTPDevice.objects.create(user=person, name="Demo authenticator", confirmed=True)
        static = StaticDevice.objects.create(user=person, name="Backup codes", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(5)]
        for code in codes:
            static.token_set.create(token=code)
        secret = b32encode(device.bin_key).decode().rstrip("=")
        self.stdout.write(self.style.WARNING(f"\n{title} two-factor secret (shown once, never stored):"))
        self.stdout.write(f"  TOTP secret: {secret}")
        self.stdout.write(f"  otpauth URI: {device.config_url}")
        self.stdout.write(f"  Backup codes: {' '.join(codes)}")
        self.stdout.write("  Add it to an authenticator app, or get a code now with: make demo-totp SECRET=<secret>")

    def _print_logins(self) -> None:
        path = _logins_file()
        if not path.exists():
            self.stdout.write("No demo-logins.txt in var/: reset the demo with `make demo-reset`.")
            return
        self.stdout.write(self.style.SUCCESS("\nDemo logins (generated at set-up; kept in var/demo-logins.txt):"))
        roles = {
            "owner": "owner of both businesses, asked to set up 2FA at first sign-in",
            "bookkeeper": "bookkeeper of both businesses",
            "admin": "staff admin (platform admin, support), TOTP required: asks for access to a business",
            "security": "security officer, TOTP required: approves staff access (never their own)",
        }
        for line in path.read_text().splitlines():
            email, password = line.split("\t")
            self.stdout.write(f"  {email:32} {password:18} {roles.get(email.split('@')[0], '')}")
