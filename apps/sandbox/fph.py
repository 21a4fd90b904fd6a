"""Checks of the fraud-prevention headers, WEB_APP_VIA_SERVER only (docs/contracts/hmrc-fraud-prevention-headers.md).

Used by the sandbox's copy of HMRC's Test Fraud Prevention Headers API. Each
header is checked for presence and the format HMRC gives; the first hop of
Gov-Vendor-Forwarded is cross-checked with the two public IPs. Private or
loopback client addresses are warnings, not errors, because every local run
has them. HMRC's own list of codes is UNCONFIRMED: this uses
MISSING_HEADER, EMPTY_HEADER and INVALID_HEADER, header names in lower case.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable, Mapping
from urllib.parse import unquote

SPEC_VERSION = "3.3"
REQUIRED = (
    "gov-client-connection-method",
    "gov-client-browser-js-user-agent",
    "gov-client-device-id",
    "gov-client-multi-factor",
    "gov-client-public-ip",
    "gov-client-public-ip-timestamp",
    "gov-client-public-port",
    "gov-client-screens",
    "gov-client-timezone",
    "gov-client-user-ids",
    "gov-client-window-size",
    "gov-vendor-forwarded",
    "gov-vendor-license-ids",
    "gov-vendor-product-name",
    "gov-vendor-public-ip",
    "gov-vendor-version",
)
# Headers that may legitimately be empty when the value cannot be collected (a warning, not an error).
MAY_BE_EMPTY = {"gov-client-multi-factor", "gov-vendor-license-ids"}
_MFA_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{3})?)?Z$")
_IP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
_TIMEZONE = re.compile(r"^UTC[+-]\d\d:\d\d$")
_POSITIVE_INT = re.compile(r"^[1-9]\d*$")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")


class Invalid(ValueError):
    pass


def _pairs(value: str) -> dict[str, str]:
    out = {}
    for part in value.split("&"):
        key, sep, val = part.partition("=")
        if not sep or not key:
            raise Invalid(f"'{part}' is not key=value")
        out[unquote(key)] = unquote(val)
    return out


def _structures(value: str) -> list[dict[str, str]]:
    items = value.split(",")
    if any(not item for item in items):
        raise Invalid("a list item is empty")
    return [_pairs(item) for item in items]


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(unquote(value))
    except ValueError as exc:
        raise Invalid(f"'{value}' is not an IP address") from exc


def _need(condition: bool, message: str) -> None:
    if not condition:
        raise Invalid(message)


def _mfa(value: str) -> None:
    for factor in _structures(value):
        _need(factor.get("type") in {"TOTP", "AUTH_CODE", "OTHER"}, "type must be TOTP, AUTH_CODE or OTHER")
        _need(bool(_MFA_TIME.match(factor.get("timestamp", ""))), "timestamp must be UTC, yyyy-MM-ddThh:mmZ")
        _need(bool(factor.get("unique-reference")), "unique-reference is required")


def _screens(value: str) -> None:
    for screen in _structures(value):
        for key in ("width", "height", "colour-depth"):
            _need(bool(_POSITIVE_INT.match(screen.get(key, ""))), f"{key} must be a positive integer")
        _need(bool(_NUMBER.match(screen.get("scaling-factor", ""))), "scaling-factor must be a number")


def _window(value: str) -> None:
    size = _pairs(value)
    for key in ("width", "height"):
        _need(bool(_POSITIVE_INT.match(size.get(key, ""))), f"{key} must be a positive integer")


def _user_ids(value: str) -> None:
    ids = _pairs(value)
    _need("os" not in ids, "web applications must not send an os key")
    _need(all(ids.values()), "every user identifier needs a value")


def _non_empty_pairs(value: str) -> None:
    _need(all(_pairs(value).values()), "every key needs a value")


def _forwarded(value: str) -> None:
    for hop in _structures(value):
        _ip(hop.get("by", ""))
        _ip(hop.get("for", ""))


def _port(value: str) -> None:
    _need(value.isdigit() and 0 < int(value) < 65536, "must be a port number")
    _need(int(value) not in {80, 443}, "must be the client's source port, not a server port")


def _device(value: str) -> None:
    try:
        uuid.UUID(value)
    except ValueError as exc:
        raise Invalid("must be a UUID") from exc


def _product(value: str) -> None:
    _need(" " not in value, "must be percent-encoded")


CHECKS: dict[str, Callable[[str], object]] = {
    "gov-client-connection-method": lambda v: _need(v == "WEB_APP_VIA_SERVER", "only WEB_APP_VIA_SERVER is checked"),
    "gov-client-browser-js-user-agent": lambda v: None,
    "gov-client-device-id": _device,
    "gov-client-multi-factor": _mfa,
    "gov-client-public-ip": _ip,
    "gov-client-public-ip-timestamp": lambda v: _need(bool(_IP_TIME.match(v)), "must be yyyy-MM-ddThh:mm:ss.sssZ"),
    "gov-client-public-port": _port,
    "gov-client-screens": _screens,
    "gov-client-timezone": lambda v: _need(bool(_TIMEZONE.match(v)), "must be UTC±hh:mm"),
    "gov-client-user-ids": _user_ids,
    "gov-client-window-size": _window,
    "gov-vendor-forwarded": _forwarded,
    "gov-vendor-license-ids": _non_empty_pairs,
    "gov-vendor-product-name": _product,
    "gov-vendor-public-ip": _ip,
    "gov-vendor-version": _non_empty_pairs,
}


def _item(code: str, message: str, *headers: str) -> dict:
    return {"code": code, "message": message, "headers": list(headers)}


def validate(headers: Mapping[str, str]) -> dict:
    """The Test FPH API's answer for one request's headers (names any case)."""
    given = {k.lower(): v for k, v in headers.items()}
    errors, warnings = [], []
    for name in REQUIRED:
        value = given.get(name)
        if value is None:
            errors.append(_item("MISSING_HEADER", "Header required", name))
            continue
        if not value.isascii():
            errors.append(_item("INVALID_HEADER", "Value must be US-ASCII, percent-encoded", name))
            continue
        if value == "":
            (warnings if name in MAY_BE_EMPTY else errors).append(_item("EMPTY_HEADER", "Value is empty", name))
            continue
        try:
            CHECKS[name](value)
        except Invalid as exc:
            errors.append(_item("INVALID_HEADER", str(exc), name))
    _client_ip_warnings(given, warnings)
    _cross_check(given, errors)
    if errors:
        code, message = "INVALID_HEADERS", "At least 1 header is invalid"
    elif warnings:
        code, message = "POTENTIALLY_INVALID_HEADERS", "At least 1 header is potentially invalid"
    else:
        code, message = "VALID_HEADERS", "All headers appear to be valid"
    return {"specVersion": SPEC_VERSION, "code": code, "message": message, "errors": errors, "warnings": warnings}


def _client_ip_warnings(given: dict[str, str], warnings: list[dict]) -> None:
    for name in ("gov-client-public-ip", "gov-vendor-public-ip"):
        try:
            address = _ip(given.get(name, ""))
        except Invalid:
            continue
        if _local(address):
            warnings.append(_item("POTENTIALLY_INVALID_HEADER", "Not a public IP address", name))


_LOCAL_NETWORKS = [
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
]


def _local(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Loopback, link-local or private-network addresses (the documentation ranges HMRC's examples use pass)."""
    if address.is_loopback or address.is_link_local or address.is_unspecified:
        return True
    return any(address.version == n.version and address in n for n in _LOCAL_NETWORKS)


def _cross_check(given: dict[str, str], errors: list[dict]) -> None:
    try:
        first = _structures(given["gov-vendor-forwarded"])[0]
        ok = _ip(first.get("by", "")) == _ip(given["gov-vendor-public-ip"]) and _ip(first.get("for", "")) == _ip(
            given["gov-client-public-ip"]
        )
    except (KeyError, Invalid):
        return  # already reported header by header
    if not ok:
        errors.append(
            _item(
                "INVALID_HEADER",
                "The first hop of Gov-Vendor-Forwarded must be by Gov-Vendor-Public-IP for Gov-Client-Public-IP",
                "gov-vendor-forwarded",
                "gov-vendor-public-ip",
                "gov-client-public-ip",
            )
        )
