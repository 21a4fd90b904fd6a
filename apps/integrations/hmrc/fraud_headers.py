"""HMRC fraud-prevention headers for WEB_APP_VIA_SERVER (required by law on every MTD VAT API call).

Two steps, because the HMRC call may happen later in a Celery task:

1. ``capture_fraud_context(request, browser_json)`` at the request that leads
   to the HMRC call: browser facts from static/integrations/fph.js (form
   field ``fph_browser`` or the ``X-Strongroom-Fph`` header of htmx
   requests, see ``browser_json_from``), the client's public IP and source port, the device
   id cookie, the user, the second factor, the vendor's public IP. Returns a
   plain JSON-serialisable dict. Anything missing or garbled is left out and
   the reason recorded under ``"missing"`` (header name → reason); it never
   raises on bad browser data.
2. ``build_fraud_headers(context)`` formats and percent-encodes the 16
   headers, leaving out any whose data could not be collected (never a
   placeholder, and never the HTTP User-Agent in place of the browser's own).

Client address behind proxies: with TRUSTED_PROXY_COUNT = 0 (default) the
client is REMOTE_ADDR and its source port REMOTE_PORT; X-Forwarded-For is
ignored because anyone can send it. With N > 0 reverse proxies in front of
the app, each appending to X-Forwarded-For, the client is the N-th entry from
the right (entries further left were written by the client and are not
trusted), and its source port is read from CLIENT_PORT_HEADER, which the
edge proxy must set (e.g. nginx ``proxy_set_header X-Client-Port
$remote_port``) and overwrite. VENDOR_PUBLIC_IP is the public address
clients connect to (the load balancer); when unset and SITE_URL's host is an
IP literal, that is used.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import structlog
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

log = structlog.get_logger("strongroom.integrations.fph")

CONNECTION_METHOD = "WEB_APP_VIA_SERVER"
DEVICE_COOKIE = "strongroom_device_id"
USER_ID_KEY = "strongroom"
MAX_BROWSER_JSON = 8192
MAX_SCREENS = 8
_TIMEZONE = re.compile(r"^UTC[+-](0\d|1[0-4]):[0-5]\d$")
SERVER_PORTS = {80, 443}
BROWSER_FIELD = "fph_browser"
BROWSER_HEADER = "X-Strongroom-Fph"
# Only the browser can tell these; without JavaScript they are missing, never guessed from HTTP headers.
BROWSER_HEADERS = (
    "Gov-Client-Browser-JS-User-Agent",
    "Gov-Client-Screens",
    "Gov-Client-Timezone",
    "Gov-Client-Window-Size",
)

HEADERS = (
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
)


# --- encoding (US-ASCII, percent-encoded keys and values) ----------------------------------------


def pct(value: Any) -> str:
    """Percent-encode everything but RFC 3986 unreserved characters (keys and values of structures)."""
    return quote(str(value), safe="")


def ascii_value(value: str) -> str:
    """A plain header value: printable US-ASCII kept, anything else (and %) percent-encoded."""
    return "".join(ch if 32 <= ord(ch) < 127 and ch != "%" else quote(ch, safe="") for ch in value)


def key_values(pairs: list[tuple[str, Any]]) -> str:
    """``k1=v1&k2=v2`` with keys and values percent-encoded; pairs with no value are left out."""
    return "&".join(f"{pct(k)}={pct(v)}" for k, v in pairs if v is not None and v != "")


def utc_ms(moment: datetime) -> str:
    """``yyyy-MM-ddThh:mm:ss.sssZ`` (milliseconds mandatory)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _salted_hash(label: str, value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{label}:{value}".encode(), hashlib.sha256).hexdigest()


def licence_id(tenant_id: Any) -> str:
    """The business's licence, hashed consistently (the same value on every call, whatever the method)."""
    return _salted_hash("fph-licence", str(tenant_id))


# --- capture -------------------------------------------------------------------------------------


def _positive_int(value: Any, limit: int = 100_000) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and 0 < value <= limit else None


def _scaling(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 10:
        return None
    return f"{round(float(value), 4):g}"


def _ip(value: Any) -> str | None:
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


def parse_browser(browser_json: str | None) -> tuple[dict[str, Any], dict[str, str]]:
    """Validated browser facts and, per header, why a value is missing. Never raises."""
    missing: dict[str, str] = {}
    browser_headers = {
        "Gov-Client-Browser-JS-User-Agent": "userAgent",
        "Gov-Client-Screens": "screens",
        "Gov-Client-Timezone": "timezone",
        "Gov-Client-Window-Size": "windowSize",
    }
    if not browser_json:
        return {}, {h: "no browser data (JavaScript did not run)" for h in browser_headers}
    if len(browser_json) > MAX_BROWSER_JSON:
        return {}, {h: "browser data too large" for h in browser_headers}
    try:
        raw = json.loads(browser_json)
    except ValueError:
        raw = None
    if not isinstance(raw, dict):
        return {}, {h: "browser data was not a JSON object" for h in browser_headers}
    facts: dict[str, Any] = {}
    agent = raw.get("userAgent")
    if isinstance(agent, str) and agent.strip() and len(agent) <= 1000:
        facts["user_agent"] = agent.strip()
    else:
        missing["Gov-Client-Browser-JS-User-Agent"] = "browser user agent missing or invalid"
    screens = []
    for item in raw.get("screens") if isinstance(raw.get("screens"), list) else []:
        if not isinstance(item, dict) or len(screens) >= MAX_SCREENS:
            continue
        screen = {
            "width": _positive_int(item.get("width")),
            "height": _positive_int(item.get("height")),
            "scaling_factor": _scaling(item.get("scalingFactor")),
            "colour_depth": _positive_int(item.get("colourDepth"), limit=64),
        }
        if None not in screen.values():
            screens.append(screen)
    if screens:
        facts["screens"] = screens
    else:
        missing["Gov-Client-Screens"] = "screen data missing or invalid"
    window = raw.get("windowSize") if isinstance(raw.get("windowSize"), dict) else {}
    width, height = _positive_int(window.get("width")), _positive_int(window.get("height"))
    if width and height:
        facts["window_size"] = {"width": width, "height": height}
    else:
        missing["Gov-Client-Window-Size"] = "window size missing or invalid"
    tz = raw.get("timezone")
    if isinstance(tz, str) and _TIMEZONE.match(tz):
        facts["timezone"] = tz
    else:
        missing["Gov-Client-Timezone"] = "time zone missing or not UTC±hh:mm"
    device = raw.get("deviceId")
    if isinstance(device, str):
        facts["device_id_from_browser"] = device
    return facts, missing


def _uuid(value: Any) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> tuple[str | None, int | None, str]:
    """(client public IP, client source port, how it was found) — see the module docstring."""
    proxies = int(settings.TRUSTED_PROXY_COUNT or 0)
    if proxies <= 0:
        port = _positive_int(_to_int(request.META.get("REMOTE_PORT")), limit=65535)
        return _ip(request.META.get("REMOTE_ADDR")), port, "REMOTE_ADDR"
    chain = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    if len(chain) < proxies:
        return None, None, f"X-Forwarded-For has {len(chain)} entries, {proxies} trusted proxies configured"
    header = settings.CLIENT_PORT_HEADER
    port = _positive_int(_to_int(request.headers.get(header)), limit=65535)
    return _ip(chain[-proxies]), port, "X-Forwarded-For"


def _to_int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def vendor_public_ip() -> str | None:
    configured = _ip(settings.VENDOR_PUBLIC_IP or "")
    if configured:
        return configured
    return _ip(urlsplit(settings.SITE_URL).hostname or "")


def mfa_factors(request: HttpRequest) -> list[dict[str, str]]:
    """The second factor this session was verified with (django-otp), as HMRC's type/timestamp/reference."""
    user = getattr(request, "user", None)
    device = getattr(user, "otp_device", None)
    if device is None:
        return []
    from django_otp.plugins.otp_totp.models import TOTPDevice

    used = getattr(device, "last_used_at", None)
    if used is None:
        return []
    return [
        {
            "type": "TOTP" if isinstance(device, TOTPDevice) else "OTHER",
            "timestamp": used.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ"),
            "unique_reference": _salted_hash("fph-mfa", device.persistent_id),
        }
    ]


def browser_json_from(request: HttpRequest) -> str | None:
    """The browser facts fph.js sent with this request: a form field on a POST, a header on an htmx request.

    fph.js adds both to every form and every htmx request of a page, so any
    request that leads to an HMRC call carries them when JavaScript ran.
    """
    value = request.POST.get(BROWSER_FIELD) if request.method == "POST" else None
    return value or unquote(request.headers.get(BROWSER_HEADER, "")) or None


def missing_browser_facts(context: dict[str, Any]) -> list[str]:
    """The browser headers a captured context cannot fill (JavaScript did not run, or sent garbage)."""
    missing = context.get("missing") if isinstance(context, dict) else None
    return sorted(h for h in BROWSER_HEADERS if isinstance(missing, dict) and h in missing)


def capture_fraud_context(request: HttpRequest, browser_json: str | None) -> dict[str, Any]:
    """Everything build_fraud_headers needs, as plain JSON-serialisable data (for a Celery task)."""
    now = timezone.now()
    facts, missing = parse_browser(browser_json)
    ip, port, source = client_address(request)
    if ip is None:
        missing["Gov-Client-Public-IP"] = f"client IP not known ({source})"
    if port is None or port in SERVER_PORTS:
        missing["Gov-Client-Public-Port"] = f"client source port not known ({source})"
        port = None
    device_id = _uuid(request.COOKIES.get(DEVICE_COOKIE)) or _uuid(facts.pop("device_id_from_browser", None))
    facts.pop("device_id_from_browser", None)
    if device_id is None:
        missing["Gov-Client-Device-ID"] = "no device id cookie"
    user = getattr(request, "user", None)
    user_id = str(user.pk) if getattr(user, "is_authenticated", False) else None
    if user_id is None:
        missing["Gov-Client-User-IDs"] = "no signed-in user"
    mfa = mfa_factors(request)
    if not mfa:
        missing["Gov-Client-Multi-Factor"] = "session not verified with a second factor"
    vendor_ip = vendor_public_ip()
    if vendor_ip is None:
        missing["Gov-Vendor-Public-IP"] = "VENDOR_PUBLIC_IP not configured"
    if vendor_ip is None or ip is None:
        missing["Gov-Vendor-Forwarded"] = "vendor or client IP not known"
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        missing["Gov-Vendor-License-IDs"] = "no business (licence) for this request"
    context = {
        "version": 1,
        "captured_at": utc_ms(now),
        "client_public_ip": ip,
        "client_public_ip_timestamp": utc_ms(now) if ip else None,
        "client_public_port": port,
        "device_id": device_id,
        "user_ids": {USER_ID_KEY: user_id} if user_id else {},
        "mfa": mfa,
        "vendor_public_ip": vendor_ip,
        "vendor_forwarded": [{"by": vendor_ip, "for": ip}] if vendor_ip and ip else [],
        "licence_ids": {USER_ID_KEY: licence_id(tenant.pk)} if tenant else {},
        **facts,
        "missing": missing,
    }
    if missing:
        log.warning("fraud_headers_incomplete", missing=sorted(missing))
    return context


# --- headers -------------------------------------------------------------------------------------


def _screens(context: dict[str, Any]) -> str:
    return ",".join(
        key_values(
            [
                ("width", s["width"]),
                ("height", s["height"]),
                ("scaling-factor", s["scaling_factor"]),
                ("colour-depth", s["colour_depth"]),
            ]
        )
        for s in context.get("screens") or []
    )


def _multi_factor(context: dict[str, Any]) -> str:
    return ",".join(
        key_values([("type", f["type"]), ("timestamp", f["timestamp"]), ("unique-reference", f["unique_reference"])])
        for f in context.get("mfa") or []
    )


def _builders() -> dict[str, Any]:
    return {
        "Gov-Client-Connection-Method": lambda c: CONNECTION_METHOD,
        "Gov-Client-Browser-JS-User-Agent": lambda c: ascii_value(c.get("user_agent") or ""),
        "Gov-Client-Device-ID": lambda c: c.get("device_id") or "",
        "Gov-Client-Multi-Factor": _multi_factor,
        "Gov-Client-Public-IP": lambda c: c.get("client_public_ip") or "",
        "Gov-Client-Public-IP-Timestamp": lambda c: c.get("client_public_ip_timestamp") or "",
        "Gov-Client-Public-Port": lambda c: str(c["client_public_port"]) if c.get("client_public_port") else "",
        "Gov-Client-Screens": _screens,
        "Gov-Client-Timezone": lambda c: c.get("timezone") or "",
        "Gov-Client-User-IDs": lambda c: key_values(sorted((c.get("user_ids") or {}).items())),
        "Gov-Client-Window-Size": lambda c: (
            key_values([("width", c["window_size"]["width"]), ("height", c["window_size"]["height"])])
            if c.get("window_size")
            else ""
        ),
        "Gov-Vendor-Forwarded": lambda c: ",".join(
            key_values([("by", hop["by"]), ("for", hop["for"])]) for hop in c.get("vendor_forwarded") or []
        ),
        "Gov-Vendor-License-IDs": lambda c: key_values(sorted((c.get("licence_ids") or {}).items())),
        "Gov-Vendor-Product-Name": lambda c: pct(settings.VENDOR_PRODUCT_NAME),
        "Gov-Vendor-Public-IP": lambda c: c.get("vendor_public_ip") or "",
        "Gov-Vendor-Version": lambda c: key_values([(settings.VENDOR_PRODUCT_NAME, settings.VENDOR_VERSION)]),
    }


def build_fraud_headers(context: dict[str, Any] | None) -> dict[str, str]:
    """The WEB_APP_VIA_SERVER headers from a captured context; a header whose data is missing is left out."""
    context = context if isinstance(context, dict) else {}
    headers: dict[str, str] = {}
    for name, build in _builders().items():
        try:
            value = build(context)
        except (KeyError, TypeError, ValueError, AttributeError):
            value = ""  # a context that was tampered with or is from an older version: leave the header out
        if value:
            headers[name] = value
    return headers


def headers_for_request(request: HttpRequest, browser_json: str | None = None) -> dict[str, str]:
    """Capture and build in one step, for an HMRC call made during the request itself (e.g. a live read)."""
    return build_fraud_headers(capture_fraud_context(request, browser_json))
