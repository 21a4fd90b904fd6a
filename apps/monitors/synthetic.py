"""Synthetic monitors: real journeys through the running system, every minute from Celery beat.

- ``health``: the web process's readiness endpoint over HTTP (``SITE_URL/health/ready``).
- ``login``: the dedicated synthetic user signs in through the real authentication backends
  (django-axes included).
- ``upload``: a tiny generated invoice (unique per run, so it is never a duplicate) goes through
  the documents services to ``posted``: storage, queue, OCR worker, extraction, ledger.
- ``filing``: a dry run against HMRC (obligations read through the integrations client); skipped
  with the reason "not available" while that client does not exist.

Each run is stored as a :class:`SyntheticRun`; the metrics and the SLO dashboard read those rows.
A dependency check that fails ``SYNTHETIC_DEGRADED_AFTER`` times in a row turns on that
dependency's degraded banner, and the first success turns it off again if (and only if) the
monitor turned it on.
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from apps.accounts.models import User
from apps.documents.models import Document, DocumentState
from apps.documents.services.upload import upload_document
from apps.integrations.errors import HmrcNotConnected
from apps.integrations.hmrc import oauth
from apps.integrations.hmrc.initiator import SystemInitiated
from apps.integrations.hmrc.vat_client import HmrcVatClient
from apps.integrations.views import callback_uri
from apps.monitors.banners import react_to_check
from apps.observability.models import SyntheticRun
from apps.sandbox.services import oauth as sandbox_oauth
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant
from apps.tenancy.services import create_tenant

SYNTHETIC_TENANT_SLUG = "strongroom-synthetic"
SYNTHETIC_TENANT_NAME = "Synthetic Monitor Ltd (fictitious)"
SYNTHETIC_USER_EMAIL = "synthetic-monitor@strongroom.invalid"
SYNTHETIC_VRN = "100000034"  # fictitious; passes the check digits
# Which degraded switch a failing check points at (see banners.DEPENDENCIES).
CHECK_DEPENDENCY = {"upload": "ocr", "filing": "hmrc"}

# The synthetic user's password when none is configured: generated here, stored only hashed in the
# database and in this process's memory; a process that does not know it sets a new one.


class Skip(Exception):
    """The check could not run for a reason that is not a failure of the system (recorded as skipped)."""


# --- the synthetic tenant --------------------------------------------------------------------------------------


def synthetic_tenant():
    return Tenant.objects.filter(slug=SYNTHETIC_TENANT_SLUG).first()


def ensure_synthetic_tenant() -> tuple[object, bool]:
    """The synthetic tenant and its owner, created if missing (idempotent). Returns (tenant, created)."""
    user = User.objects.filter(email=SYNTHETIC_USER_EMAIL).first()
    if user is None:
        user = User.objects.create_user(SYNTHETIC_USER_EMAIL, _password_for())
    elif not user.check_password(_password_for()):
        user.set_password(_password_for())
        user.save(update_fields=["password"])
    tenant = Tenant.objects.filter(slug=SYNTHETIC_TENANT_SLUG).first()
    if tenant is not None:
        return tenant, False
    tenant = create_tenant(name=SYNTHETIC_TENANT_NAME, slug=SYNTHETIC_TENANT_SLUG, owner=user, vat_number=SYNTHETIC_VRN)
    return tenant, True


def _configured_password() -> str:
    return getattr(settings, "SYNTHETIC_MONITOR_PASSWORD", "") or ""


def _password_for() -> str:
    """The configured password, else one derived from SECRET_KEY: the same in every process and after every restart.

    Issue #17: with the password unset, each process (and each restart) chose its own, so the others' sign-ins
    failed and django-axes locked the monitor's account.
    """
    return (
        _configured_password()
        or salted_hmac("strongroom.monitors.synthetic-password", SYNTHETIC_USER_EMAIL, algorithm="sha256").hexdigest()
    )


# --- the checks ---------------------------------------------------------------------------------------------


def check_health() -> None:
    import requests

    url = f"{settings.SITE_URL}/health/ready"
    response = requests.get(url, timeout=(settings.EXTERNAL_CONNECT_TIMEOUT, 10))
    if response.status_code != 200:
        failing = [name for name, c in (response.json().get("checks") or {}).items() if c.get("status") != "ok"]
        raise RuntimeError(f"readiness answered {response.status_code}; failing: {', '.join(failing) or '?'}")


def check_login() -> None:
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    user = User.objects.filter(email=SYNTHETIC_USER_EMAIL).first()
    if user is None:
        raise RuntimeError("the synthetic user does not exist: run manage.py ensure_synthetic_tenant")

    password = _password_for()
    # Compared before signing in: a password that cannot work is never tried, so the monitor itself never
    # counts a failed sign-in against its account (django-axes locks it after AXES_FAILURE_LIMIT).
    if not user.check_password(password):
        if _configured_password():
            raise RuntimeError(
                "the synthetic user's sign-in was refused before trying: its password is not the configured one "
                "(changed outside set-up?); run manage.py ensure_synthetic_tenant"
            )
        user.set_password(password)  # set by an older release (a per-process password): ours is derived now
        user.save(update_fields=["password"])
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="127.0.0.1", HTTP_USER_AGENT="strongroom-synthetic")
    if authenticate(request, email=SYNTHETIC_USER_EMAIL, password=password) is None:
        raise RuntimeError("the synthetic user's sign-in was refused (locked out, or inactive)")


SUPPLIER_VAT_NUMBER = "123456727"  # fictitious; passes HMRC's check digits


def synthetic_invoice(number: str) -> bytes:
    """A one-page born-digital invoice with a text layer the extractor reads with high confidence."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(60, 780, "Synthetic Stationery Ltd")
    c.setFont("Helvetica", 9)
    c.drawString(60, 766, "1 Monitor Street, Leeds, LS1 1AA")
    # A valid VAT invoice shows the supplier's VAT number; without one its VAT is never reclaimed unchecked.
    vrn = SUPPLIER_VAT_NUMBER
    c.drawString(60, 754, f"VAT Reg No: GB {vrn[:3]} {vrn[3:7]} {vrn[7:]}")
    c.setFont("Helvetica-Bold", 12)
    c.drawString(60, 730, "Invoice")
    c.setFont("Helvetica", 10)
    c.drawString(60, 712, f"Invoice number: SYN-{number}")
    c.drawString(60, 698, f"Date: {date.today():%d/%m/%Y}")
    c.drawString(60, 664, "Printer paper, 2 x £5.00 ........................ £10.00")
    y = 639
    for label, amount in (("Net", "£10.00"), ("VAT (20%)", "£2.00"), ("Total", "£12.00")):
        c.drawString(330, y, f"{label}:")
        c.drawRightString(535, y, amount)
        y -= 15
    c.showPage()
    c.save()
    return out.getvalue()


def check_upload() -> None:
    tenant = synthetic_tenant()
    if tenant is None:
        raise RuntimeError("the synthetic tenant does not exist: run manage.py ensure_synthetic_tenant")
    number = f"{timezone.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
    outcome = upload_document(tenant=tenant, content=synthetic_invoice(number), filename=f"synthetic-{number}.pdf")
    deadline = time.monotonic() + settings.SYNTHETIC_UPLOAD_TIMEOUT
    state = ""
    while True:  # in the embedded mode the task already ran; with a broker, an OCR worker picks it up
        with tenant_context(tenant):
            state = Document.objects.values_list("state", flat=True).get(pk=outcome.document.pk)
        if state == DocumentState.POSTED:
            return
        if state in (DocumentState.FAILED, DocumentState.NEEDS_REVIEW, DocumentState.DUPLICATE):
            raise RuntimeError(f"the synthetic document ended {state}, not posted")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the synthetic document was still {state} after {settings.SYNTHETIC_UPLOAD_TIMEOUT} s")
        time.sleep(0.5)


def check_filing() -> None:
    """Read the synthetic business's VAT obligations from HMRC (the sandbox outside production): no writes."""

    tenant = synthetic_tenant()
    if tenant is None:
        raise RuntimeError("the synthetic tenant does not exist: run manage.py ensure_synthetic_tenant")
    today = date.today()

    def read() -> None:
        # The monitor runs on a schedule, for no person: HMRC's batch-process method.
        HmrcVatClient(tenant, initiator=SystemInitiated("synthetic filing check")).obligations(
            tenant.vat_number or SYNTHETIC_VRN, from_date=today.replace(year=today.year - 1), to_date=today
        )

    try:
        read()
        return
    except HmrcNotConnected:
        if settings.SANDBOX_ENABLED:
            connect_to_sandbox_hmrc(tenant)  # the sandbox's test user grants authority, as a person would
            read()
            return
        raise Skip(
            "not available: the synthetic business is not connected to HMRC (connect it once from its "
            "integrations page as the synthetic user)"
        ) from None


def connect_to_sandbox_hmrc(tenant) -> None:
    """Connect the synthetic business to the local HMRC sandbox through the real OAuth services.

    Only with SANDBOX_ENABLED: the grant page's answer is given by the
    sandbox's own service (its test user grants authority), then the code is
    exchanged over HTTP like any connection. In production the synthetic
    business is connected once by a person, against HMRC's external test API.
    """
    from urllib.parse import parse_qsl, urlsplit

    user = User.objects.get(email=SYNTHETIC_USER_EMAIL)
    redirect_uri = callback_uri()
    params = dict(
        parse_qsl(urlsplit(oauth.start_authorisation(tenant=tenant, user=user, redirect_uri=redirect_uri)).query)
    )
    code = sandbox_oauth.grant_authority(
        sandbox_oauth.validate_authorize(params), vrn=tenant.vat_number or SYNTHETIC_VRN, now=timezone.now()
    )
    oauth.complete_authorisation(
        tenant=tenant, user=user, state=params["state"], code=code, error=None, redirect_uri=redirect_uri
    )


CHECKS: dict[str, Callable[[], None]] = {
    "health": check_health,
    "login": check_login,
    "upload": check_upload,
    "filing": check_filing,
}


def run_check(name: str) -> SyntheticRun:
    """Run one check, store its run, export nothing directly (the collector reads the rows)."""
    check = CHECKS[name]
    started = time.perf_counter()
    ok, skipped, error = True, False, ""
    try:
        check()
    except Skip as exc:
        ok, skipped, error = False, True, str(exc)
    except Exception as exc:  # a synthetic check reports every failure, whatever its type
        ok, error = False, f"{type(exc).__name__}: {exc}"[:1000]
    run = SyntheticRun.objects.create(
        check_name=name,
        ok=ok,
        skipped=skipped,
        duration_seconds=round(time.perf_counter() - started, 3),
        error=error,
        at=timezone.now(),
    )
    if not skipped and name in CHECK_DEPENDENCY:
        react_to_check(CHECK_DEPENDENCY[name], name, run)
    return run


def run_all() -> list[SyntheticRun]:
    return [run_check(name) for name in CHECKS]
