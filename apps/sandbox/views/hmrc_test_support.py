"""HMRC's sandbox-only test support APIs: Create Test User and Test Fraud Prevention Headers.

Both are application-restricted at HMRC (a client-credentials token); whether
a user token is also accepted is UNCONFIRMED, so here either kind works — they
are test aids, not part of what the portal must get right against production.
"""

from __future__ import annotations

import json
import secrets
import string

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from stdnum.gb import vat as gb_vat

from apps.sandbox import fph
from apps.sandbox.models import TestOrganisation
from apps.sandbox.responses import hmrc_response
from apps.sandbox.views.hmrc_vat import platform_checks

_NAMES = ["Alder", "Birchwood", "Copperbeech", "Dunmore", "Elmstead", "Fernhill", "Greyfriars", "Hollybank"]
_TRADES = ["Joinery", "Bakery", "Print Works", "Garden Services", "Cycles", "Pottery", "Tiling", "Catering"]


def _digits(n: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(n))


def new_vrn() -> str:
    """Seven random digits (first not 0) and the mod-9755 check digits, unused so far.

    The check digits: docs/contracts/hmrc-vat-api.md, Identifiers.
    """
    while True:
        body = str(secrets.randbelow(9) + 1) + _digits(6)
        total = sum(w * int(d) for w, d in zip(range(8, 1, -1), body, strict=True))
        vrn = f"{body}{(-(total + 55)) % 97:02d}"
        if gb_vat.is_valid(vrn) and not TestOrganisation.objects.filter(vrn=vrn).exists():
            return vrn


@csrf_exempt
def create_test_organisation(request: HttpRequest) -> HttpResponse:
    """POST /create-test-user/organisations with {"serviceNames": ["mtd-vat", ...]} → 201 with a new VRN."""
    token = platform_checks(request, method="POST", scope=None, user_only=False)
    if isinstance(token, HttpResponse):
        return token
    invalid = hmrc_response(400, {"code": "INVALID_REQUEST", "message": "serviceNames must be a list of strings"})
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return invalid
    services = body.get("serviceNames") if isinstance(body, dict) else None
    if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
        return invalid
    now = request.sandbox_now
    name = f"{secrets.choice(_NAMES)} {secrets.choice(_TRADES)} Ltd"
    user_id = _digits(12)
    answer: dict = {
        "userId": user_id,
        "password": secrets.token_urlsafe(9),  # shape only: the sandbox's grant page asks for no password
        "userFullName": "Test User",
        "emailAddress": f"test-user-{user_id}@example.invalid",
        "organisationDetails": {
            "name": name,
            "address": {
                "line1": f"{secrets.randbelow(200) + 1} Test Street",
                "line2": "Testtown",
                "postcode": "TS1 1ZZ",
            },
        },
    }
    if "mtd-vat" in services:
        vrn = new_vrn()
        TestOrganisation.objects.create(vrn=vrn, name=name, created_at=now)
        answer |= {"vrn": vrn, "vatRegistrationDate": timezone.localdate(now).replace(day=1).isoformat()}
    return hmrc_response(201, answer)


def validate_fraud_headers(request: HttpRequest) -> HttpResponse:
    """GET /test/fraud-prevention-headers/validate: feedback on this request's own headers."""
    token = platform_checks(request, method="GET", scope=None, user_only=False)
    if isinstance(token, HttpResponse):
        return token
    headers = {k: v for k, v in request.headers.items() if k.lower().startswith("gov-")}
    return hmrc_response(200, fph.validate(headers))
