"""A broken journey fails the run and leaves a screenshot and a trace behind.

A journey written like the real ones (same browser fixtures, same pytest-playwright
options as ``make e2e``) is run in a child pytest against a tiny page on loopback:
once where the page says what the journey expects (passes), once where it does
not (fails, exit 1, artefacts kept).
"""

from __future__ import annotations

import http.server
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JOURNEY = textwrap.dedent(
    """
    from playwright.sync_api import Page, expect

    def test_sign_in_page_shows_the_form(page: Page, base_url):
        page.goto(base_url + "/")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=3_000)
        expect(page.get_by_role("button", name="Continue")).to_be_visible(timeout=3_000)
    """
)
CONFTEST = "from tests.e2e.browser import browser_context_args, browser_type_launch_args  # noqa: F401\n"


@pytest.fixture
def tiny_site(tmp_path):
    """Serve one page from a folder on loopback; the test writes its content."""
    site = tmp_path / "site"
    site.mkdir()
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(site), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def run_journey(tmp_path: Path, base_url: str) -> tuple[subprocess.CompletedProcess, Path]:
    suite = tmp_path / "journeys"
    suite.mkdir(exist_ok=True)
    (suite / "conftest.py").write_text(CONFTEST)
    (suite / "test_journey.py").write_text(JOURNEY)
    artifacts = tmp_path / "artifacts"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:django", "-p", "no:cacheprovider"]
    command += ["--rootdir", str(suite), "-c", "/dev/null", str(suite), "--base-url", base_url]
    command += ["--output", str(artifacts), "--screenshot", "only-on-failure", "--tracing", "retain-on-failure"]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=180), artifacts


def test_the_journey_passes_on_the_page_it_expects(tiny_site, tmp_path):
    site, url = tiny_site
    (site / "index.html").write_text("<!doctype html><title>x</title><h1>Sign in</h1><button>Continue</button>")
    result, _ = run_journey(tmp_path, url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_a_page_without_the_expected_text_fails_the_journey_and_keeps_artefacts(tiny_site, tmp_path):
    site, url = tiny_site
    (site / "index.html").write_text("<!doctype html><title>x</title><h1>Sign in</h1><p>Maintenance</p>")
    result, artifacts = run_journey(tmp_path, url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed" in result.stdout
    assert 'get_by_role("button", name="Continue")' in result.stdout, "the failure names the missing element"
    assert list(artifacts.rglob("*.png")), "no screenshot of the failing journey"
    assert list(artifacts.rglob("trace.zip")), "no trace of the failing journey"
