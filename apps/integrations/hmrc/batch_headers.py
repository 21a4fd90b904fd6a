"""HMRC fraud-prevention headers for calls no person started (connection method BATCH_PROCESS_DIRECT).

HMRC's rule: a call is a batch process only when no user initiated the action
(their own example is an overnight job fetching VAT obligations). Then the
"originating device" is the machine running the job, and these headers
describe it: a device id persisted on that machine, its local IP and MAC
addresses collected immediately before each request, its time zone, its
operating system, the OS account and our application's user, the licence
and the product. The public-IP and browser headers of the web method are not
part of this method and are not sent.

A user-approved action that a worker performs later (a queued or retried VAT
submission) is *not* a batch call: it carries the headers captured when the
person approved it (``fraud_headers.capture_fraud_context``).

Collection is Linux-first (``/sys/class/net``, ``/proc/net/if_inet6``), with
a portable fallback; a value that cannot be collected is left out and logged,
never replaced by a placeholder.
"""

from __future__ import annotations

import getpass
import ipaddress
import os
import platform
import socket
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from django.conf import settings
from django.utils import timezone

from apps.integrations.hmrc.fraud_headers import USER_ID_KEY, key_values, licence_id, pct, utc_ms

log = structlog.get_logger("strongroom.integrations.fph")

CONNECTION_METHOD = "BATCH_PROCESS_DIRECT"
HEADERS = (
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
)
# The application's own identity for jobs that run for no particular person (the user id part of User-IDs).
SYSTEM_USER = "strongroom-scheduler"
_NULL_MAC = "00:00:00:00:00:00"


def device_id_file() -> Path:
    configured = settings.HMRC_BATCH_DEVICE_ID_FILE
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "hmrc-batch-device-id"


def device_id() -> str:
    """A UUID generated once per machine and kept in a file: HMRC wants it stable, regenerated only if deleted."""
    path = device_id_file()
    try:
        return str(uuid.UUID(path.read_text().strip()))
    except (OSError, ValueError):
        pass
    value = str(uuid.uuid4())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(value + "\n")
        os.replace(tmp, path)
    except OSError as error:  # a read-only file system: still a valid id for this process
        log.warning("batch_device_id_not_persisted", path=str(path), error=str(error))
    return value


def _interfaces() -> list[str]:
    try:
        return sorted(os.listdir("/sys/class/net"))
    except OSError:
        return []


def mac_addresses() -> list[str]:
    """Every hardware address of the machine's interfaces (the loopback's all-zero one is not an address)."""
    found = []
    for name in _interfaces():
        try:
            mac = (Path("/sys/class/net") / name / "address").read_text().strip().lower()
        except OSError:
            continue
        if len(mac) == 17 and mac != _NULL_MAC and mac not in found:
            found.append(mac)
    if not found:
        node = uuid.getnode()
        if not (node >> 40) & 1:  # uuid.getnode() sets the multicast bit when it had to invent a number
            found.append(":".join(f"{(node >> s) & 0xFF:02x}" for s in range(40, -1, -8)))
    return found


def _ipv6_addresses() -> list[str]:
    try:
        lines = Path("/proc/net/if_inet6").read_text().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        raw = line.split()[0] if line.split() else ""
        if len(raw) == 32:
            found.append(str(ipaddress.IPv6Address(bytes.fromhex(raw))))
    return found


def _ipv4_addresses() -> list[str]:
    found: list[str] = []
    try:
        import fcntl
        import struct

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for name in _interfaces():
                try:
                    packed = fcntl.ioctl(sock.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))  # SIOCGIFADDR
                except OSError:
                    continue  # an interface without an IPv4 address
                found.append(socket.inet_ntoa(packed[20:24]))
    except (ImportError, OSError):
        pass
    if not found:
        try:
            found = [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)]
        except OSError:
            found = []
    return found


def local_ips() -> list[str]:
    """All local IPv4 and IPv6 addresses of this machine, deduplicated, in a stable order."""
    seen: list[str] = []
    for address in [*_ipv4_addresses(), *_ipv6_addresses()]:
        if address not in seen:
            seen.append(address)
    return seen


def _dmi(name: str) -> str:
    try:
        return Path(f"/sys/class/dmi/id/{name}").read_text().strip()
    except OSError:
        return ""


def user_agent_pairs() -> list[tuple[str, str]]:
    """os-family, os-version, device-manufacturer, device-model (what can be read is sent)."""
    return [
        ("os-family", platform.system()),
        ("os-version", platform.release()),
        ("device-manufacturer", _dmi("sys_vendor")),
        ("device-model", _dmi("product_name") or platform.machine()),
    ]


def utc_offset(moment: datetime) -> str:
    offset = timezone.localtime(moment).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def batch_headers(*, tenant_id: Any = None) -> dict[str, str]:
    """The BATCH_PROCESS_DIRECT headers for one request, collected now (HMRC: immediately before it)."""
    now = timezone.now()
    ips = local_ips()
    macs = mac_addresses()
    values = {
        "Gov-Client-Connection-Method": CONNECTION_METHOD,
        "Gov-Client-Device-ID": device_id(),
        "Gov-Client-Local-IPs": ",".join(pct(ip) if ":" in ip else ip for ip in ips),
        "Gov-Client-Local-IPs-Timestamp": utc_ms(now) if ips else "",
        "Gov-Client-MAC-Addresses": ",".join(pct(mac) for mac in macs),
        "Gov-Client-Timezone": utc_offset(now),
        "Gov-Client-User-Agent": key_values(user_agent_pairs()),
        "Gov-Client-User-IDs": key_values([("os", _os_user()), (USER_ID_KEY, SYSTEM_USER)]),
        "Gov-Vendor-License-IDs": key_values([(USER_ID_KEY, licence_id(tenant_id))]) if tenant_id else "",
        "Gov-Vendor-Product-Name": pct(settings.VENDOR_PRODUCT_NAME),
        "Gov-Vendor-Version": key_values([(settings.VENDOR_PRODUCT_NAME, settings.VENDOR_VERSION)]),
    }
    missing = sorted(name for name, value in values.items() if not value)
    if missing:
        log.warning("batch_fraud_headers_incomplete", missing=missing)
    return {name: value for name, value in values.items() if value}
