"""Production refuses to start with HMRC or network settings that would file with wrong or missing facts.

HMRC requires the fraud-prevention headers on every MTD call, and they are
only right when the deployment tells the app where it stands: which proxy
hops to trust for the client's address and port, the public IP clients
connect to, and the real HMRC endpoints. A gap here does not fail loudly at
runtime: the headers silently carry the proxy's private address or are left
out. So these are checked up front:

* as Django system checks (tag ``strongroom``; ``manage.py check --deploy``
  and every ``migrate`` report them), errors only when STRONGROOM_ENV is
  production;
* at process start-up (``ensure_production_settings``), from gunicorn's
  ``on_starting`` and the Celery application, which never run the checks.

Each message names the variable to set.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

TAG = "strongroom"
# HMRC's two environments: the API host and the hosts its OAuth sign-in page may live on.
HMRC_ENVIRONMENTS = {
    "api.service.hmrc.gov.uk": {"www.tax.service.gov.uk", "api.service.hmrc.gov.uk"},
    "test-api.service.hmrc.gov.uk": {"test-www.tax.service.gov.uk", "test-api.service.hmrc.gov.uk"},
}


def _error(number: int, message: str, hint: str) -> Error:
    return Error(message, hint=hint, id=f"integrations.E{number:03d}")


def _https_host(url: str) -> str | None:
    """The host of an https URL, else None."""
    parts = urlsplit(url or "")
    return parts.hostname if parts.scheme == "https" and parts.hostname else None


def _hmrc_errors(conf) -> list[Error]:
    errors: list[Error] = []
    api_host = _https_host(conf.HMRC_API_BASE_URL)
    if api_host not in HMRC_ENVIRONMENTS:
        errors.append(
            _error(
                1,
                f"HMRC_API_BASE_URL is {conf.HMRC_API_BASE_URL!r}, not one of HMRC's API bases.",
                "Set HMRC_API_BASE_URL=https://api.service.hmrc.gov.uk (or https://test-api.service.hmrc.gov.uk "
                "for HMRC's sandbox).",
            )
        )
    authorize = urlsplit(conf.HMRC_AUTHORIZE_URL or "")
    allowed = HMRC_ENVIRONMENTS.get(api_host or "", set())
    if not (_https_host(conf.HMRC_AUTHORIZE_URL) in allowed and authorize.path == "/oauth/authorize"):
        errors.append(
            _error(
                2,
                f"HMRC_AUTHORIZE_URL is {conf.HMRC_AUTHORIZE_URL!r}: it must be HMRC's https sign-in page "
                "in the same HMRC environment as HMRC_API_BASE_URL.",
                "Set HMRC_AUTHORIZE_URL=https://www.tax.service.gov.uk/oauth/authorize with the live API "
                "(https://test-www.tax.service.gov.uk/oauth/authorize with the sandbox API).",
            )
        )
    if not (conf.HMRC_CLIENT_ID or "").strip():
        errors.append(_error(3, "HMRC_CLIENT_ID is empty.", "Set HMRC_CLIENT_ID to the application's client id."))
    if not os.environ.get("HMRC_CLIENT_SECRET", "").strip():
        errors.append(
            _error(4, "HMRC_CLIENT_SECRET is not set.", "Provide HMRC_CLIENT_SECRET from the secrets provider.")
        )
    return errors


def _network_errors(conf) -> list[Error]:
    errors: list[Error] = []
    try:
        vendor_ip = ipaddress.ip_address((conf.VENDOR_PUBLIC_IP or "").strip())
    except ValueError:
        vendor_ip = None
    if vendor_ip is None or not vendor_ip.is_global:
        errors.append(
            _error(
                5,
                f"VENDOR_PUBLIC_IP is {conf.VENDOR_PUBLIC_IP!r}, not a public IP address: Gov-Vendor-Public-IP "
                "and Gov-Vendor-Forwarded would be left out of every HMRC call.",
                "Set VENDOR_PUBLIC_IP to the public address clients connect to (the TLS proxy's or load balancer's).",
            )
        )
    proxies = conf.TRUSTED_PROXY_COUNT
    if conf.BEHIND_TLS_PROXY and proxies < 1:
        errors.append(
            _error(
                6,
                "BEHIND_TLS_PROXY is on but TRUSTED_PROXY_COUNT is 0: Gov-Client-Public-IP would be the proxy's "
                "own address.",
                "Set TRUSTED_PROXY_COUNT to the number of proxies that write X-Forwarded-For (1 with deploy/nginx).",
            )
        )
    if proxies >= 1 and not (conf.CLIENT_PORT_HEADER or "").strip():
        errors.append(
            _error(
                7,
                "TRUSTED_PROXY_COUNT is set but CLIENT_PORT_HEADER is empty: Gov-Client-Public-Port would be missing.",
                "Set CLIENT_PORT_HEADER=X-Client-Port (the header deploy/nginx sets to the client's source port).",
            )
        )
    if not _https_host(conf.SITE_URL):
        errors.append(
            _error(
                8,
                f"SITE_URL is {conf.SITE_URL!r}, not an https URL: OAuth redirects and links would be wrong.",
                "Set SITE_URL to the https address people use, e.g. https://strongroom.example.",
            )
        )
    return errors


def production_settings_errors(conf=settings) -> list[Error]:
    """Every problem with the HMRC and network settings; none outside production."""
    if conf.STRONGROOM_ENV != "production":
        return []
    return _hmrc_errors(conf) + _network_errors(conf)


@register(TAG)
def check_production_settings(app_configs=None, **kwargs) -> list[Error]:
    return production_settings_errors()


def ensure_production_settings() -> None:
    """Fail fast at start-up: raise ImproperlyConfigured listing every problem (production only)."""
    errors = production_settings_errors()
    if errors:
        lines = "\n".join(f"  {e.id}: {e.msg} {e.hint}" for e in errors)
        raise ImproperlyConfigured(f"Strongroom will not start with these production settings:\n{lines}")
