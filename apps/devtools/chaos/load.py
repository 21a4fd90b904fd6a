"""The load the experiments put on the stack: API uploads (over HTTP) and approvals of VAT returns.

Runs inside ``chaos run``, whose environment points Django at the chaos stack
(the application role, row-level security on). Seeding uses the services, as
``seed_demo`` does; uploads go through the real API of the real gunicorn and
approvals through ``approve_return``, whose ``on_commit`` queues the
submission exactly as the approval page does. What was sent is appended to
``load.json`` in the stack's home: the probes count against it.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import django
import requests
from django.apps import apps as registry
from django.conf import settings
from django.db import connection, transaction

if not registry.ready:  # ``chaos run`` imports this module outside manage.py: set Django up before the models
    django.setup()

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from stdnum.gb import vat as gb_vat

from apps.accounts.models import User
from apps.filing import calculation
from apps.filing.domain import due_date, period_end
from apps.filing.models import VatObligation, VatSettings
from apps.filing.services.returns import approve_return, fingerprint
from apps.integrations.hmrc.oauth import complete_authorisation, start_authorisation
from apps.ledger.services.journal import LineSpec
from apps.ledger.services.posting import post_manual_entry
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership, Tenant
from apps.tenancy.services import create_api_token, create_tenant
from golden.cases import GOLDEN_DIR

GOLDEN_PDF = "001-quillfeather-invoice.pdf"  # born-digital: read from its text layer, posted without review


def _home() -> Path:
    return Path(os.environ["STRONGROOM_CHAOS_HOME"])


def read_load() -> dict:
    path = _home() / "load.json"
    return json.loads(path.read_text()) if path.exists() else {"tenants": [], "documents": [], "returns": []}


_lock = threading.Lock()


def _write_load(update) -> None:
    with _lock:
        data = read_load()
        update(data)
        (_home() / "load.json").write_text(json.dumps(data, indent=1))


def _valid_vrn(n: int) -> str:

    stem = f"{(n * 7919 + 1234567) % 10_000_000:07d}"
    return next(f"{stem}{c:02d}" for c in range(100) if gb_vat.is_valid(f"{stem}{c:02d}"))


def _verified(user):
    """The owner as a 2FA-verified session leaves them (the approval policy asks for it)."""

    user.otp_device = TOTPDevice.objects.get_or_create(user=user, name="chaos", defaults={"confirmed": True})[0]
    user.is_verified = lambda: True
    return user


def _connect_hmrc(tenant, user, vrn: str) -> None:
    """The real OAuth flow against the stack's sandbox: authorise, grant, exchange the code over HTTP."""

    redirect_uri = f"{settings.SITE_URL}/t/{tenant.slug}/integrations/hmrc/callback/"
    with tenant_context(tenant):
        url = start_authorisation(tenant=tenant, user=user, redirect_uri=redirect_uri)
    parsed = urlparse(url)
    answer = Client().post(parsed.path, {**dict(parse_qsl(parsed.query)), "action": "grant", "vrn": vrn})
    if answer.status_code != 302:
        raise RuntimeError(f"sandbox grant refused: {answer.status_code}")
    returned = dict(parse_qsl(urlparse(answer["Location"]).query))
    with tenant_context(tenant):
        complete_authorisation(tenant=tenant, user=user, state=returned["state"], code=returned["code"], error=None,
                               redirect_uri=redirect_uri)  # fmt: skip


def seed(businesses: int = 2, quarters: int = 4) -> dict:
    """Businesses with an API key, VAT settings, ``quarters`` open obligations with a sale each, connected to HMRC."""

    made = []
    for n in range(businesses):
        tag = secrets.token_hex(4)
        owner = User.objects.create_user(f"owner.{tag}@chaos.strongroom.test", secrets.token_urlsafe(16),
                                         full_name=f"Chaos Owner {n}")  # fmt: skip
        vrn = _valid_vrn(int(tag, 16) % 1_000_000)
        tenant = create_tenant(name=f"Chaos Trading {n} Ltd", slug=f"chaos-{tag}", owner=owner, vat_number=f"GB{vrn}",
                               status=Tenant.Status.ACTIVE)  # fmt: skip
        with tenant_context(tenant), transaction.atomic():
            membership = Membership.objects.get(user=owner, tenant=tenant)
            key = create_api_token(membership=membership, name="chaos load", actor=owner)[1]
            VatSettings.objects.create(tenant=tenant, scheme="standard", stagger="stagger_1",
                                       first_period_start=date(2024, 1, 1), four_eyes=False)  # fmt: skip
            obligations = []
            for q in range(quarters):
                start = date(2024 + q // 4, 3 * (q % 4) + 1, 1)
                end = period_end("stagger_1", start)
                obligations.append(str(VatObligation.objects.create(
                    tenant=tenant, vrn=vrn, period_key=f"{start:%y}A{q % 4 + 1}", start=start, end=end,
                    due=due_date(end), status="O", synced_at=start,
                ).pk))  # fmt: skip
                lines = [LineSpec("610", debit=Decimal("1200.00")), LineSpec("200", credit=Decimal("1000.00")),
                         LineSpec("821", credit=Decimal("200.00"))]  # fmt: skip
                post_manual_entry(entry_date=start.replace(day=15), description="Chaos sale", lines=lines, actor=owner)
        _connect_hmrc(tenant, owner, vrn)
        made.append({"tenant": str(tenant.pk), "owner": owner.pk, "key": key, "vrn": vrn, "obligations": obligations})
    _write_load(lambda data: data["tenants"].extend(made))
    return {"businesses": len(made)}


def _pdf(n: int) -> bytes:
    """A distinct copy of a golden invoice (the duplicate check compares bytes): a comment after %%EOF."""

    return (GOLDEN_DIR / "documents" / GOLDEN_PDF).read_bytes() + f"\n%chaos {n} {secrets.token_hex(8)}\n".encode()


def upload(count: int = 6, spread_seconds: float = 0.0) -> dict:
    """POST ``count`` documents through the API, round-robin over the businesses; a 5xx or refusal is counted."""
    tenants = read_load()["tenants"]
    session = requests.Session()
    session.trust_env = False  # loopback only
    accepted = refused = 0
    for n in range(count):
        business = tenants[n % len(tenants)]
        try:
            answer = session.post(f"{settings.SITE_URL}/api/v1/documents/",
                                  headers={"Authorization": f"Token {business['key']}"},
                                  files={"file": (f"chaos-{n}.pdf", _pdf(n), "application/pdf")},
                                  timeout=30)  # fmt: skip
            status = answer.status_code
        except requests.RequestException:
            status = "error"
        if status == 201:  # recorded at once: a probe running meanwhile counts it
            sent = {"id": answer.json()["id"], "tenant": business["tenant"], "at": time.time()}
            _write_load(lambda data, sent=sent: data["documents"].append(sent))
            accepted += 1
        else:
            _write_load(lambda data, status=status: data.setdefault("refused_uploads", []).append(status))
            refused += 1
        if spread_seconds:
            time.sleep(float(spread_seconds) / count)
    return {"accepted": accepted, "refused": refused}


def approve(count: int = 2) -> dict:
    """Approve the next ``count`` open returns (one per business in turn); each queues one submission."""

    data = read_load()
    done = {r["obligation"] for r in data["returns"]}
    queue = [(b, o) for i in range(8) for b in data["tenants"] for o in b["obligations"][i : i + 1] if o not in done]
    approved, failed = [], []
    for business, obligation_id in queue[:count]:
        tenant = Tenant.objects.get(pk=business["tenant"])
        owner = _verified(User.objects.get(pk=business["owner"]))
        try:
            with tenant_context(tenant):
                obligation = VatObligation.objects.get(pk=obligation_id)
                boxes = calculation.figures_for(obligation, None, VatSettings.objects.first()).boxes
                vat_return = approve_return(obligation=obligation, actor=owner, declaration=True,
                                            expected_fingerprint=fingerprint(boxes), fraud_context={})  # fmt: skip
            approved.append({"obligation": obligation_id, "return": str(vat_return.pk), "tenant": business["tenant"],
                             "vrn": business["vrn"], "period_key": obligation.period_key,
                             "at": time.time()})  # fmt: skip
        except Exception as exc:
            failed.append(f"{type(exc).__name__}: {exc}"[:200])
    _write_load(lambda d: d["returns"].extend(approved))
    _write_load(lambda d: d.setdefault("refused_approvals", []).extend(failed))
    return {"approved": len(approved), "failed": failed}


def background(uploads: int = 6, approvals: int = 2, seconds: float = 10.0) -> dict:
    """Load that keeps flowing while a fault is injected: uploads and approvals spread over ``seconds``."""
    threads = [threading.Thread(target=upload, args=(int(uploads), float(seconds)), daemon=True)]
    if approvals:
        threads.append(threading.Thread(target=_approve_spread, args=(int(approvals), float(seconds)), daemon=True))
    for t in threads:
        t.start()
    _background.extend(threads)
    _write_load(lambda d: d.setdefault("background", []).append(time.time()))
    return {"started": len(threads)}


_background: list[threading.Thread] = []


def join_background(timeout: float = 120.0) -> int:
    """Wait for the background load to have sent everything (the steady-state probe judges all of it)."""
    deadline = time.monotonic() + timeout
    for thread in _background:
        thread.join(max(deadline - time.monotonic(), 0))
    return sum(t.is_alive() for t in _background)


def _approve_spread(count: int, seconds: float) -> None:

    try:
        for _ in range(count):
            approve(1)
            time.sleep(seconds / count)
    finally:
        connection.close()
