"""Every place in the product that calls HMRC's VAT API, found by reading the code, and the header rules.

``discover()`` reads ``apps/`` (AST) for calls of the VAT client's endpoint
methods in modules that use ``HmrcVatClient``; ``CALL_SITES`` is the list
the conformance tests drive, each through its real entry points.
``product_call_site()`` names the product function on the stack of a
running call. A call site found in the code but not listed here fails the
conformance tests, and so does a call at run time from an unlisted one.

The header rules below are written from HMRC's published fraud-prevention
specification (v3.3), independently of ``apps.integrations.hmrc`` and of the
sandbox's validator, so the product is checked against HMRC's rules and not
against its own idea of them.
"""

from __future__ import annotations

import ast
import ipaddress
import re
import sys
import uuid
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
APPS = ROOT / "apps"
ENDPOINTS = {"obligations", "submit_return", "view_return", "liabilities", "payments"}
CLIENT_FILES = {"apps/integrations/hmrc/vat_client.py", "apps/integrations/http.py"}

WEB = "WEB_APP_VIA_SERVER"
BATCH = "BATCH_PROCESS_DIRECT"

# call site (file, function) → the entry points that reach it and the connection method each must use
CALL_SITES: dict[tuple[str, str], dict[str, str]] = {
    ("apps/filing/services/obligations.py", "read_obligations"): {
        "VAT page: Check HMRC for VAT periods": WEB,
        "onboarding wizard: VAT step": WEB,
        "beat: scheduled obligations sync": BATCH,
    },
    # The fragment only reads the cache; the integrations worker reads HMRC with the person's captured headers.
    ("apps/filing/services/hmrc_live.py", "period_financials"): {
        "period page: payments and liabilities (htmx), read by the integrations worker": WEB,
    },
    ("apps/filing/services/submission.py", "send"): {
        "approval, then the filing worker submits": WEB,
    },
    ("apps/filing/services/submission.py", "_reconcile_duplicate"): {
        "filing worker reads back a return HMRC already holds": WEB,
    },
    ("apps/integrations/hmrc/grant_check.py", "check_granted_vrn"): {
        "Connect to HMRC: the grant's VRN checked at the callback": WEB,
    },
    ("apps/monitors/synthetic.py", "read"): {
        "synthetic monitor: filing check": BATCH,
    },
}

REQUIRED = {
    WEB: {
        "Gov-Client-Connection-Method",
        "Gov-Client-Browser-JS-User-Agent",
        "Gov-Client-Device-ID",
        "Gov-Client-Multi-Factor",
        "Gov-Client-Public-IP",
        "Gov-Client-Public-IP-Timestamp",
        "Gov-Client-Public-Port",
        "Gov-Client-Screens",
        "Gov-Client-Timezone",
        "Gov-Client-User-IDs",
        "Gov-Client-Window-Size",
        "Gov-Vendor-Forwarded",
        "Gov-Vendor-License-IDs",
        "Gov-Vendor-Product-Name",
        "Gov-Vendor-Public-IP",
        "Gov-Vendor-Version",
    },
    BATCH: {
        "Gov-Client-Connection-Method",
        "Gov-Client-Device-ID",
        "Gov-Client-Local-IPs",
        "Gov-Client-Local-IPs-Timestamp",
        "Gov-Client-MAC-Addresses",
        "Gov-Client-Timezone",
        "Gov-Client-User-Agent",
        "Gov-Client-User-IDs",
        "Gov-Vendor-License-IDs",
        "Gov-Vendor-Product-Name",
        "Gov-Vendor-Version",
    },
}


def discover() -> set[tuple[str, str]]:
    """(file, enclosing function) of every VAT endpoint call in the product's code."""
    found: set[tuple[str, str]] = set()
    for path in sorted(APPS.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in CLIENT_FILES or relative.startswith("apps/sandbox/") or "/migrations/" in relative:
            continue
        source = path.read_text()
        if "HmrcVatClient" not in source:
            continue

        found.update((relative, function) for function in _endpoint_callers(ast.parse(source), "<module>"))
    return found


def _endpoint_callers(node: ast.AST, function: str) -> set[str]:
    """Names of the innermost functions that contain a call of a VAT endpoint method."""
    names: set[str] = set()
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr in ENDPOINTS:
            names.add(function)
        inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
        names |= _endpoint_callers(child, inner)
    return names


def product_call_site(skip: int = 0) -> tuple[str, str] | None:
    """The innermost product function (outside the client) on the stack, or None (a test's own call).

    ``skip``: frames of the caller's own harness to pass over first (a recording wrapper).
    """
    frame = sys._getframe(1 + skip)
    while frame is not None:
        try:
            relative = Path(frame.f_code.co_filename).resolve().relative_to(ROOT).as_posix()
        except ValueError:
            relative = ""
        if relative.startswith("apps/") and relative not in CLIENT_FILES:
            return relative, frame.f_code.co_name
        if relative.startswith("tests/"):
            return None
        frame = frame.f_back
    return None


# --- HMRC's formats -------------------------------------------------------------------------------

_UTC_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
_MFA_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\dZ$")
_TZ = re.compile(r"^UTC[+-](0\d|1[0-4]):[0-5]\d$")
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


def _pairs(value: str) -> dict[str, str]:
    pairs = {}
    for part in value.split("&"):
        key, sep, item = part.partition("=")
        assert sep and key and item, f"not key=value: {part!r} in {value!r}"
        pairs[unquote(key)] = unquote(item)
    return pairs


def _ip(value: str) -> str:
    return str(ipaddress.ip_address(unquote(value)))


def check_values(method: str, headers: dict[str, str]) -> list[str]:
    """Problems with the values of a header set (empty when they follow HMRC's formats)."""
    problems: list[str] = []

    def need(condition: bool, message: str) -> None:
        if not condition:
            problems.append(message)

    for name, value in headers.items():
        need(value.isascii() and value.strip() == value and value != "", f"{name}: empty or not US-ASCII")
    need(headers.get("Gov-Client-Connection-Method") == method, "connection method")
    try:
        uuid.UUID(headers["Gov-Client-Device-ID"])
    except (KeyError, ValueError):
        problems.append("Gov-Client-Device-ID is not a UUID")
    need(bool(_TZ.match(headers.get("Gov-Client-Timezone", ""))), "Gov-Client-Timezone is not UTC±hh:mm")
    need(bool(_pairs(headers.get("Gov-Client-User-IDs", "x=y"))), "Gov-Client-User-IDs")
    need(bool(_pairs(headers.get("Gov-Vendor-License-IDs", "x=y"))), "Gov-Vendor-License-IDs")
    need(bool(_pairs(headers.get("Gov-Vendor-Version", "x=y"))), "Gov-Vendor-Version")
    need(unquote(headers.get("Gov-Vendor-Product-Name", "")) != "", "Gov-Vendor-Product-Name")
    if method == WEB:
        public = _ip(headers["Gov-Client-Public-IP"])
        vendor = _ip(headers["Gov-Vendor-Public-IP"])
        need(bool(_UTC_MS.match(headers["Gov-Client-Public-IP-Timestamp"])), "Public-IP-Timestamp format")
        need(1 <= int(headers["Gov-Client-Public-Port"]) <= 65535, "Public-Port")
        for screen in headers["Gov-Client-Screens"].split(","):
            pairs = _pairs(screen)
            need(set(pairs) == {"width", "height", "scaling-factor", "colour-depth"}, f"screen {pairs}")
        need(set(_pairs(headers["Gov-Client-Window-Size"])) == {"width", "height"}, "Window-Size")
        for factor in headers["Gov-Client-Multi-Factor"].split(","):
            pairs = _pairs(factor)
            need(pairs.get("type") in {"TOTP", "AUTH_CODE", "OTHER"}, "Multi-Factor type")
            need(bool(_MFA_TIME.match(pairs.get("timestamp", ""))), "Multi-Factor timestamp")
            need(bool(pairs.get("unique-reference")), "Multi-Factor unique-reference")
        hop = _pairs(headers["Gov-Vendor-Forwarded"].split(",")[0])
        need(_ip(hop["by"]) == vendor and _ip(hop["for"]) == public, "Vendor-Forwarded by/for")
    else:
        for address in headers["Gov-Client-Local-IPs"].split(","):
            _ip(address)
        need(bool(_UTC_MS.match(headers["Gov-Client-Local-IPs-Timestamp"])), "Local-IPs-Timestamp format")
        for mac in headers["Gov-Client-MAC-Addresses"].split(","):
            need(bool(_MAC.match(unquote(mac))) and ":" not in mac, f"MAC {mac!r} (percent-encoded)")
        agent = _pairs(headers["Gov-Client-User-Agent"])
        need({"os-family", "os-version"} <= set(agent), "User-Agent needs os-family and os-version")
        need("os" in _pairs(headers["Gov-Client-User-IDs"]), "User-IDs needs the OS account (os=)")
    return problems
