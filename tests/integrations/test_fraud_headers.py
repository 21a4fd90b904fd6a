"""Fraud-prevention headers (WEB_APP_VIA_SERVER): one test per header, encoding, and bad input.

The contract: docs/contracts/hmrc-fraud-prevention-headers.md.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.integrations.hmrc.fraud_headers import (
    BROWSER_HEADERS,
    DEVICE_COOKIE,
    HEADERS,
    build_fraud_headers,
    capture_fraud_context,
    missing_browser_facts,
)

pytestmark = pytest.mark.django_db

DEVICE = "beec798b-b366-47fa-b1f8-92cede14a1ce"
AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
BROWSER = {
    "userAgent": AGENT,
    "deviceId": DEVICE,
    "screens": [{"width": 1920, "height": 1080, "scalingFactor": 1, "colourDepth": 24}],
    "windowSize": {"width": 1256, "height": 803},
    "timezone": "UTC+01:00",
}
MFA_AT = datetime(2025, 3, 1, 9, 15, 42, tzinfo=UTC)


@pytest.fixture(autouse=True)
def vendor(settings):
    settings.VENDOR_PUBLIC_IP = "203.0.113.6"
    settings.TRUSTED_PROXY_COUNT = 0
    settings.VENDOR_PRODUCT_NAME = "Strongroom"
    settings.VENDOR_VERSION = "2.2.2"


@pytest.fixture
def make_request(owner_a, tenant_a):
    def make(*, browser=BROWSER, cookie=DEVICE, user=owner_a, device="totp", **meta):
        environ = {"REMOTE_ADDR": "198.51.100.7", "REMOTE_PORT": "51234", "HTTP_USER_AGENT": "curl/8", **meta}
        request = RequestFactory().post("/t/x/filing/approve/", **environ)
        if cookie is not None:
            request.COOKIES[DEVICE_COOKIE] = cookie
        request.user = user
        request.tenant = tenant_a
        if device == "totp" and user.is_authenticated:
            user.otp_device = TOTPDevice.objects.create(user=user, name="app", confirmed=True, last_used_at=MFA_AT)
        elif device == "static":
            user.otp_device = StaticDevice.objects.create(user=user, name="codes", confirmed=True, last_used_at=MFA_AT)
        elif user.is_authenticated:
            user.otp_device = None
        return request, json.dumps(browser) if isinstance(browser, dict | list) else browser

    return make


def headers_for(make_request, **kwargs) -> dict[str, str]:
    request, browser = make_request(**kwargs)
    context = capture_fraud_context(request, browser)
    return build_fraud_headers(json.loads(json.dumps(context)))  # as a Celery task would receive it


def test_all_sixteen_headers_with_complete_data(make_request):
    headers = headers_for(make_request)
    assert set(headers) == set(HEADERS) and len(HEADERS) == 16
    assert all(value.isascii() and value for value in headers.values())


def test_connection_method(make_request):
    assert headers_for(make_request)["Gov-Client-Connection-Method"] == "WEB_APP_VIA_SERVER"


def test_browser_js_user_agent(make_request):
    assert headers_for(make_request)["Gov-Client-Browser-JS-User-Agent"] == AGENT
    odd = headers_for(make_request, browser={**BROWSER, "userAgent": "Navigateur «spécial» 100%"})
    assert odd["Gov-Client-Browser-JS-User-Agent"] == "Navigateur %C2%ABsp%C3%A9cial%C2%BB 100%25"


def test_without_javascript_the_browser_headers_are_missing_never_guessed_from_http(make_request):
    """The HTTP User-Agent is not the browser's JavaScript one: without JavaScript facts nothing is made up."""
    request, _ = make_request()
    context = capture_fraud_context(request, None)
    headers = build_fraud_headers(context)
    for name in BROWSER_HEADERS:
        assert name not in headers
        assert "JavaScript did not run" in context["missing"][name]
    assert "curl/8" not in " ".join(headers.values())
    assert missing_browser_facts(context) == sorted(BROWSER_HEADERS)


def test_device_id(make_request):
    assert headers_for(make_request)["Gov-Client-Device-ID"] == DEVICE
    other = str(uuid.uuid4())
    assert (
        headers_for(make_request, cookie=None, browser={**BROWSER, "deviceId": other})["Gov-Client-Device-ID"] == other
    )
    request, browser = make_request(cookie="not-a-uuid", browser={**BROWSER, "deviceId": "<script>"})
    context = capture_fraud_context(request, browser)
    assert "Gov-Client-Device-ID" not in build_fraud_headers(context)
    assert context["missing"]["Gov-Client-Device-ID"] == "no device id cookie"


def test_multi_factor(make_request, owner_a):
    value = headers_for(make_request)["Gov-Client-Multi-Factor"]
    match = re.fullmatch(r"type=TOTP&timestamp=2025-03-01T09%3A15Z&unique-reference=([0-9a-f]{64})", value)
    assert match
    assert str(owner_a.otp_device.persistent_id) not in value  # hashed, never the device's own id
    backup = headers_for(make_request, device="static")["Gov-Client-Multi-Factor"]
    assert backup.startswith("type=OTHER&timestamp=2025-03-01T09%3A15Z&unique-reference=")
    assert backup.split("unique-reference=")[1] != match.group(1)


def test_multi_factor_is_stable_for_one_device(make_request, owner_a):
    request, browser = make_request()
    first = build_fraud_headers(capture_fraud_context(request, browser))["Gov-Client-Multi-Factor"]
    second = build_fraud_headers(capture_fraud_context(request, browser))["Gov-Client-Multi-Factor"]
    assert first == second


def test_no_second_factor_is_left_out_and_recorded(make_request):
    request, browser = make_request(device=None)
    context = capture_fraud_context(request, browser)
    assert "Gov-Client-Multi-Factor" not in build_fraud_headers(context)
    assert "second factor" in context["missing"]["Gov-Client-Multi-Factor"]


def test_public_ip(make_request, settings):
    assert headers_for(make_request)["Gov-Client-Public-IP"] == "198.51.100.7"
    # X-Forwarded-For from the client is not trusted without a configured proxy chain.
    assert headers_for(make_request, HTTP_X_FORWARDED_FOR="192.0.2.99")["Gov-Client-Public-IP"] == "198.51.100.7"
    settings.TRUSTED_PROXY_COUNT = 1
    spoofed = headers_for(make_request, HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.20", REMOTE_ADDR="10.0.0.2")
    assert spoofed["Gov-Client-Public-IP"] == "198.51.100.20"  # the entry our proxy wrote, not the client's claim
    six = headers_for(make_request, HTTP_X_FORWARDED_FOR="2001:db8::1", REMOTE_ADDR="10.0.0.2")
    assert six["Gov-Client-Public-IP"] == "2001:db8::1"


def test_public_ip_timestamp(make_request):
    value = headers_for(make_request)["Gov-Client-Public-IP-Timestamp"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", value)


def test_public_port(make_request, settings):
    assert headers_for(make_request)["Gov-Client-Public-Port"] == "51234"
    request, browser = make_request(REMOTE_PORT="443")
    context = capture_fraud_context(request, browser)
    assert "Gov-Client-Public-Port" not in build_fraud_headers(context)  # a server port is not the client's
    assert "Gov-Client-Public-Port" in context["missing"]
    settings.TRUSTED_PROXY_COUNT = 1
    proxied = headers_for(make_request, HTTP_X_FORWARDED_FOR="198.51.100.20", HTTP_X_CLIENT_PORT="40001")
    assert proxied["Gov-Client-Public-Port"] == "40001"


def test_screens(make_request):
    assert headers_for(make_request)["Gov-Client-Screens"] == "width=1920&height=1080&scaling-factor=1&colour-depth=24"
    two = {
        **BROWSER,
        "screens": [*BROWSER["screens"], {"width": 3000, "height": 2000, "scalingFactor": 1.25, "colourDepth": 16}],
    }
    assert headers_for(make_request, browser=two)["Gov-Client-Screens"] == (
        "width=1920&height=1080&scaling-factor=1&colour-depth=24,width=3000&height=2000&scaling-factor=1.25&colour-depth=16"
    )
    junk = {**BROWSER, "screens": [{"width": -1, "height": "x"}, "nope"]}
    request, browser = make_request(browser=junk)
    context = capture_fraud_context(request, browser)
    assert "Gov-Client-Screens" not in build_fraud_headers(context)
    assert "Gov-Client-Screens" in context["missing"]


def test_timezone(make_request):
    assert headers_for(make_request)["Gov-Client-Timezone"] == "UTC+01:00"
    assert headers_for(make_request, browser={**BROWSER, "timezone": "UTC-01:15"})["Gov-Client-Timezone"] == "UTC-01:15"
    assert "Gov-Client-Timezone" not in headers_for(make_request, browser={**BROWSER, "timezone": "Europe/London"})


def test_user_ids(make_request, owner_a):
    assert headers_for(make_request)["Gov-Client-User-IDs"] == f"strongroom={owner_a.pk}"
    anonymous = headers_for(make_request, user=AnonymousUser(), device=None)
    assert "Gov-Client-User-IDs" not in anonymous and "os=" not in str(anonymous)


def test_window_size(make_request):
    assert headers_for(make_request)["Gov-Client-Window-Size"] == "width=1256&height=803"
    assert "Gov-Client-Window-Size" not in headers_for(make_request, browser={**BROWSER, "windowSize": {"width": 0}})


def test_vendor_forwarded(make_request):
    assert headers_for(make_request)["Gov-Vendor-Forwarded"] == "by=203.0.113.6&for=198.51.100.7"
    six = headers_for(make_request, REMOTE_ADDR="2001:db8::1")
    assert six["Gov-Vendor-Forwarded"] == "by=203.0.113.6&for=2001%3Adb8%3A%3A1"


def test_vendor_license_ids(make_request, tenant_a, tenant_b):
    value = headers_for(make_request)["Gov-Vendor-License-IDs"]
    assert re.fullmatch(r"strongroom=[0-9a-f]{64}", value) and str(tenant_a.pk) not in value
    request, browser = make_request()
    request.tenant = tenant_b
    assert build_fraud_headers(capture_fraud_context(request, browser))["Gov-Vendor-License-IDs"] != value


def test_vendor_product_name(make_request, settings):
    assert headers_for(make_request)["Gov-Vendor-Product-Name"] == "Strongroom"
    settings.VENDOR_PRODUCT_NAME = "Strongroom Books & VAT"
    assert headers_for(make_request)["Gov-Vendor-Product-Name"] == "Strongroom%20Books%20%26%20VAT"


def test_vendor_public_ip(make_request, settings):
    assert headers_for(make_request)["Gov-Vendor-Public-IP"] == "203.0.113.6"
    settings.VENDOR_PUBLIC_IP = ""
    settings.SITE_URL = "http://192.0.2.10:8000"
    assert headers_for(make_request)["Gov-Vendor-Public-IP"] == "192.0.2.10"
    settings.SITE_URL = "https://strongroom.example"
    request, browser = make_request()
    context = capture_fraud_context(request, browser)
    headers = build_fraud_headers(context)
    assert "Gov-Vendor-Public-IP" not in headers and "Gov-Vendor-Forwarded" not in headers
    assert "VENDOR_PUBLIC_IP" in context["missing"]["Gov-Vendor-Public-IP"]


def test_vendor_version(make_request):
    assert headers_for(make_request)["Gov-Vendor-Version"] == "Strongroom=2.2.2"


@pytest.mark.parametrize(
    "browser",
    [None, "", "not json", "[]", "42", '{"screens": "x", "windowSize": [], "timezone": 5}', "{" * 20000],
)
def test_garbled_browser_data_never_raises_and_says_why(make_request, browser):
    request, _ = make_request()
    context = capture_fraud_context(request, browser)
    json.dumps(context)
    headers = build_fraud_headers(context)
    for name in ("Gov-Client-Screens", "Gov-Client-Window-Size", "Gov-Client-Timezone"):
        assert name not in headers and context["missing"][name]
    assert headers["Gov-Client-Connection-Method"] == "WEB_APP_VIA_SERVER"


@pytest.mark.parametrize("context", [None, {}, {"screens": "x", "mfa": [1], "window_size": 3, "user_ids": [1]}])
def test_a_damaged_context_builds_what_it_can(context):
    headers = build_fraud_headers(context)
    assert headers["Gov-Client-Connection-Method"] == "WEB_APP_VIA_SERVER"
    assert "Gov-Client-Screens" not in headers


def test_the_browser_field_template_and_script(client, settings):
    from django.template.loader import render_to_string

    html = render_to_string("integrations/fph_fields.html", {"CSP_NONCE": "abc"})
    assert 'name="fph_browser"' in html and "data-fph-browser" in html
    assert "integrations/fph.js" in html and 'nonce="abc"' in html
    from pathlib import Path

    script = (Path(settings.BASE_DIR) / "static" / "integrations" / "fph.js").read_text()
    for name in ("userAgent", "deviceId", "screens", "scalingFactor", "colourDepth", "windowSize", "timezone"):
        assert name in script


def test_headers_for_a_call_made_during_the_request(make_request):
    from apps.integrations.hmrc.fraud_headers import headers_for_request

    request, browser = make_request()
    at_once = headers_for_request(request, browser)
    in_two_steps = build_fraud_headers(capture_fraud_context(request, browser))
    assert set(at_once) == set(in_two_steps) == set(HEADERS)
    assert at_once["Gov-Client-Screens"] == in_two_steps["Gov-Client-Screens"]
    assert headers_for_request(request)["Gov-Client-Public-IP"] == "198.51.100.7"
