"""A source cluster left by a killed test run is stopped before the next run takes its port (tests/backups/conftest)."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from tests.backups.conftest import BINDIR, as_postgres, stop_leftover_clusters, tools_missing

SPARE_PORT = 57542  # beside the source cluster's, inside the test range


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_cluster_on_another_port_is_left_alone(tmp_path):
    other = tmp_path / "sr-backups-other" / "data"
    other.mkdir(parents=True)
    (other / "postmaster.pid").write_text("12345\n/tmp/x\n1700000000\n57999\n/tmp\n127.0.0.1\n")
    assert stop_leftover_clusters(57541, under=tmp_path) == []
    assert other.exists()


@pytest.mark.slow
def test_a_running_leftover_on_the_port_is_stopped_and_removed():
    missing = tools_missing()
    if missing:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"cannot start a cluster: {missing}")
        pytest.skip(missing)
    assert not _answers(SPARE_PORT), "the spare test port is taken"
    under = Path(tempfile.mkdtemp(prefix="sr-leftover-", dir="/tmp"))
    under.chmod(0o711)
    base = under / "sr-backups-killed"
    try:
        for name in ("data", "run"):
            (base / name).mkdir(parents=True, mode=0o700)
            shutil.chown(base / name, "postgres", "postgres")
        shutil.chown(base, "postgres", "postgres")
        as_postgres(f"{BINDIR}/initdb", "-D", str(base / "data"), "-U", "postgres", "--auth-local=trust")
        as_postgres(f"{BINDIR}/pg_ctl", "-D", str(base / "data"), "-w", "-o",
                    f"-p {SPARE_PORT} -c listen_addresses=127.0.0.1 -c unix_socket_directories={base / 'run'}",
                    "-l", str(base / "run" / "log"), "start")  # fmt: skip
        assert _answers(SPARE_PORT)
        assert stop_leftover_clusters(SPARE_PORT, under=under) == [base]
        assert not _answers(SPARE_PORT) and not base.exists()
    finally:
        if (base / "data").exists():
            as_postgres(f"{BINDIR}/pg_ctl", "-D", str(base / "data"), "-m", "immediate", "stop", check=False)
        shutil.rmtree(under, ignore_errors=True)
