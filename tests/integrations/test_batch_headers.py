"""BATCH_PROCESS_DIRECT headers: this machine's facts, collected before each call, in HMRC's formats."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest

from apps.integrations.hmrc import batch_headers
from tests.hmrc_call_sites import BATCH, REQUIRED, check_values

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def device_file(settings, tmp_path):
    settings.HMRC_BATCH_DEVICE_ID_FILE = str(tmp_path / "device-id")
    return tmp_path / "device-id"


def test_the_complete_batch_set_and_nothing_of_the_web_method(tenant_a):
    headers = batch_headers.batch_headers(tenant_id=tenant_a.pk)
    assert set(headers) == REQUIRED[BATCH]
    assert check_values(BATCH, headers) == []
    for web_only in ("Gov-Client-Public-IP", "Gov-Client-Screens", "Gov-Client-Browser-JS-User-Agent"):
        assert web_only not in headers


def test_the_device_id_is_kept_on_the_machine_and_made_again_only_if_deleted(device_file):
    first = batch_headers.device_id()
    assert device_file.read_text().strip() == first and str(uuid.UUID(first)) == first
    assert batch_headers.device_id() == first
    device_file.unlink()
    again = batch_headers.device_id()
    assert again != first and device_file.read_text().strip() == again
    device_file.write_text("not a uuid")
    assert batch_headers.device_id() not in {"not a uuid", again}


def test_local_ips_are_collected_at_each_call_with_a_fresh_timestamp(monkeypatch):
    monkeypatch.setattr(batch_headers, "_ipv4_addresses", lambda: ["10.0.0.7", "127.0.0.1"])
    monkeypatch.setattr(batch_headers, "_ipv6_addresses", lambda: ["fe80::1", "::1"])
    headers = batch_headers.batch_headers()
    # IPv6 values percent-encoded, the separating commas not.
    assert headers["Gov-Client-Local-IPs"] == "10.0.0.7,127.0.0.1,fe80%3A%3A1,%3A%3A1"
    stamp = datetime.strptime(headers["Gov-Client-Local-IPs-Timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 60


def test_mac_addresses_are_percent_encoded_and_the_loopback_one_left_out(monkeypatch, tmp_path):
    net = tmp_path / "net"
    for name, mac in (("lo", "00:00:00:00:00:00"), ("eth0", "EA:43:1A:5D:21:45")):
        (net / name).mkdir(parents=True)
        (net / name / "address").write_text(mac + "\n")
    monkeypatch.setattr(batch_headers, "_interfaces", lambda: ["eth0", "lo"])
    real_path = batch_headers.Path

    def fake_path(value="", *rest):
        text = str(value)
        return real_path(text.replace("/sys/class/net", str(net)), *rest)

    monkeypatch.setattr(batch_headers, "Path", fake_path)
    assert batch_headers.mac_addresses() == ["ea:43:1a:5d:21:45"]
    assert batch_headers.batch_headers()["Gov-Client-MAC-Addresses"] == "ea%3A43%3A1a%3A5d%3A21%3A45"


def test_user_agent_and_user_ids_describe_the_machine_and_the_job(monkeypatch):
    monkeypatch.setattr(batch_headers, "_os_user", lambda: "strongroom")
    monkeypatch.setattr(batch_headers, "_dmi", lambda name: {"sys_vendor": "Dell Inc.", "product_name": ""}[name])
    headers = batch_headers.batch_headers()
    agent = dict(pair.split("=") for pair in headers["Gov-Client-User-Agent"].split("&"))
    assert agent["os-family"] == "Linux" and agent["os-version"]
    assert unquote(agent["device-manufacturer"]) == "Dell Inc."
    assert headers["Gov-Client-User-IDs"] == "os=strongroom&strongroom=strongroom-scheduler"


def test_the_licence_is_the_business_s_same_hash_as_in_its_web_calls(tenant_a, rf):
    from apps.integrations.hmrc.fraud_headers import build_fraud_headers, capture_fraud_context

    request = rf.get("/")
    request.tenant = tenant_a
    web = build_fraud_headers(capture_fraud_context(request, None))
    assert batch_headers.batch_headers(tenant_id=tenant_a.pk)["Gov-Vendor-License-IDs"] == web["Gov-Vendor-License-IDs"]


def test_what_cannot_be_collected_is_left_out_never_a_placeholder(monkeypatch):
    monkeypatch.setattr(batch_headers, "local_ips", lambda: [])
    monkeypatch.setattr(batch_headers, "mac_addresses", lambda: [])
    headers = batch_headers.batch_headers()
    for name in ("Gov-Client-Local-IPs", "Gov-Client-Local-IPs-Timestamp", "Gov-Client-MAC-Addresses"):
        assert name not in headers
    assert "null" not in " ".join(headers.values()).lower()
