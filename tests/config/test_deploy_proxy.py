"""The shipped TLS proxy and the app behind it yield the right network facts for HMRC.

A real nginx (Debian's, `make test` installs it) runs deploy/nginx/strongroom.conf with only its ports,
upstream and certificate paths changed, in front of a real gunicorn (deploy/gunicorn.conf.py) serving the
app with the proxy settings docker-compose.yml gives it. The client connects from 127.0.0.5, so its
address differs from the proxy's (127.0.0.1, what REMOTE_ADDR shows the app), and sends forged
forwarding headers that must not survive.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.config.test_production_settings import ROOT, _child_env
from tests.e2e.stack import free_port

pytestmark = pytest.mark.slow  # real nginx and gunicorn processes: the slow tier

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CONFIG = ROOT / "deploy" / "nginx" / "strongroom.conf"
VENDOR_IP = "51.140.20.7"
CLIENT_IP = "127.0.0.5"
HOST = "strongroom.example"
PROBE_PATH = "/__probe__/fraud-headers"  # tests/config/fph_probe_wsgi.py
PROBE_APP = "tests.config.fph_probe_wsgi:application"


@dataclass
class Edge:
    https_port: int
    http_port: int
    app_port: int
    cafile: Path


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the shipped config no longer has exactly one {old!r}"
    return text.replace(old, new)


def _templated_config(edge: Edge, certs: Path) -> str:
    """The shipped config, with only what differs on loopback changed: ports, upstream, certificate paths."""
    text = CONFIG.read_text()
    text = _replace_once(text, "server web:8000;", f"server 127.0.0.1:{edge.app_port};")
    text = _replace_once(text, "listen 80;", f"listen 127.0.0.1:{edge.http_port};")
    text = _replace_once(text, "listen 443 ssl;", f"listen 127.0.0.1:{edge.https_port} ssl;")
    text = _replace_once(text, "/etc/nginx/certs/fullchain.pem", str(certs / "fullchain.pem"))
    return _replace_once(text, "/etc/nginx/certs/privkey.pem", str(certs / "privkey.pem"))


def _nginx_main(prefix: Path) -> str:
    temp = "\n".join(
        f"  {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'} warn;\n"
        f"events {{ worker_connections 64; }}\n"
        f"http {{\n  access_log off;\n{temp}\n  include {prefix / 'strongroom.conf'};\n}}\n"
    )


def _compose_app_env() -> dict[str, str]:
    """The proxy settings docker-compose.yml gives the app processes."""
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    environment = compose["services"]["web"]["environment"]
    return {name: str(environment[name]) for name in ("BEHIND_TLS_PROXY", "TRUSTED_PROXY_COUNT", "CLIENT_PORT_HEADER")}


def _wait(url_port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", url_port, timeout=2)
            connection.request("GET", "/health/live", headers={"Host": HOST})
            connection.getresponse().read()
            return
        time.sleep(0.2)
    pytest.fail(f"did not answer within 60 s:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def edge(tmp_path_factory) -> Iterator[Edge]:
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing: `make test-system-deps` installs Debian's nginx-light")
    work = tmp_path_factory.mktemp("edge")
    certs = work / "certs"
    certs.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={HOST}",
         "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1", "-keyout", str(certs / "privkey.pem"),
         "-out", str(certs / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    edge = Edge(https_port=free_port(), http_port=free_port(), app_port=free_port(), cafile=certs / "fullchain.pem")
    env = _child_env(
        {
            "STRONGROOM_ENV": "test",
            "STRONGROOM_VAR_DIR": str(work / "var"),
            "GUNICORN_BIND": f"127.0.0.1:{edge.app_port}",
            "WEB_CONCURRENCY": "1",
            "SITE_URL": f"https://{HOST}",
            "ALLOWED_HOSTS": HOST,
            "VENDOR_PUBLIC_IP": VENDOR_IP,
            **_compose_app_env(),
        }
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    app_log = work / "gunicorn.log"
    with open(app_log, "wb") as log:
        app = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", PROBE_APP],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    nginx = None
    try:
        _wait(edge.app_port, app, app_log)
        (work / "strongroom.conf").write_text(_templated_config(edge, certs))
        (work / "nginx.conf").write_text(_nginx_main(work))
        test = subprocess.run(
            [NGINX, "-t", "-p", str(work), "-c", str(work / "nginx.conf")], capture_output=True, text=True
        )
        assert test.returncode == 0, test.stderr
        with open(work / "nginx.out", "wb") as log:
            nginx = subprocess.Popen(
                [NGINX, "-p", str(work), "-c", str(work / "nginx.conf"), "-g", "daemon off;"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        _wait(edge.http_port, nginx, work / "error.log")
        yield edge
    finally:
        if nginx is not None:
            _stop(nginx)
        _stop(app)


def _https(edge: Edge, path: str, headers: dict[str, str] | None = None) -> tuple[http.client.HTTPResponse, bytes, int]:
    """GET over TLS through the proxy from CLIENT_IP; returns the response, its body and the client's source port."""
    context = ssl.create_default_context(cafile=str(edge.cafile))
    connection = http.client.HTTPSConnection(
        "127.0.0.1", edge.https_port, context=context, source_address=(CLIENT_IP, 0), timeout=10
    )
    connection.connect()
    source_port = connection.sock.getsockname()[1]
    connection.request("GET", path, headers={"Host": HOST, **(headers or {})})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body, source_port


def test_the_fraud_headers_carry_the_client_and_the_vendor_not_the_proxy(edge):
    forged = {"X-Forwarded-For": "198.51.100.66", "X-Client-Port": "1111", "X-Forwarded-Proto": "http"}
    response, body, source_port = _https(edge, PROBE_PATH, forged)
    assert response.status == 200, body
    probe = json.loads(body)
    headers = probe["headers"]
    assert probe["remote_addr"] == "127.0.0.1"  # the proxy: what the app sees as the TCP peer
    assert headers["Gov-Client-Public-IP"] == CLIENT_IP
    assert headers["Gov-Client-Public-Port"] == str(source_port)
    assert headers["Gov-Vendor-Public-IP"] == VENDOR_IP
    assert headers["Gov-Vendor-Forwarded"] == f"by={VENDOR_IP}&for={CLIENT_IP}"
    assert probe["secure"] is True  # X-Forwarded-Proto from the proxy, not the client's "http"


def test_the_edge_overwrites_the_forwarding_headers_it_sets():
    """Appending ($proxy_add_x_forwarded_for) would pass on whatever the client wrote in the header."""
    lines = [line.strip() for line in CONFIG.read_text().splitlines()]
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in lines
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in lines
    assert "proxy_set_header X-Client-Port $remote_port;" in lines
    assert not [line for line in lines if "$proxy_add_x_forwarded_for" in line and not line.startswith("#")]


def test_plain_http_is_redirected_to_https(edge):
    connection = http.client.HTTPConnection("127.0.0.1", edge.http_port, timeout=10)
    connection.request("GET", "/accounts/login/?next=/x", headers={"Host": HOST})
    response = connection.getresponse()
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/accounts/login/?next=/x"


def test_the_app_answers_through_the_proxy_but_metrics_stay_internal(edge):
    live, _, _ = _https(edge, "/health/live")
    assert live.status == 200
    metrics, _, _ = _https(edge, "/metrics")
    assert metrics.status == 404
    direct = http.client.HTTPConnection("127.0.0.1", edge.app_port, timeout=10)
    direct.request("GET", "/metrics", headers={"Host": HOST, "X-Forwarded-Proto": "https"})
    assert direct.getresponse().status == 200  # Prometheus, on the internal network, still scrapes it
