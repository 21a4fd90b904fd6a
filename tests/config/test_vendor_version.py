"""Gov-Vendor-Version carries the release version: pyproject.toml's, unless the image build sets VENDOR_VERSION."""

from __future__ import annotations

import tomllib

import config.settings as settings_module
from apps.integrations.hmrc.fraud_headers import build_fraud_headers
from tests.config.test_production_settings import ROOT, _manage

PRINT_VERSION = "from django.conf import settings; print(settings.VENDOR_VERSION)"


def _pyproject_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_the_release_version_is_read_from_pyproject(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "strongroom"\nversion = "7.3.1"\n')
    monkeypatch.setattr(settings_module, "BASE_DIR", tmp_path)
    assert settings_module._release_version() == "7.3.1"


def test_the_header_carries_the_release_version(settings):
    release = _pyproject_version()
    assert release == settings.VENDOR_VERSION
    assert build_fraud_headers({})["Gov-Vendor-Version"] == f"Strongroom={release}"


def test_an_image_build_may_set_its_own_version_and_an_empty_one_means_the_release():
    assert (
        _manage("shell", "-v", "0", "-c", PRINT_VERSION, VENDOR_VERSION="1.4.0+build.812").stdout.strip()
        == "1.4.0+build.812"
    )
    assert _manage("shell", "-v", "0", "-c", PRINT_VERSION, VENDOR_VERSION="").stdout.strip() == _pyproject_version()


def test_the_dockerfile_passes_a_build_version_through():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "ARG VENDOR_VERSION=\n" in dockerfile and "ENV VENDOR_VERSION=${VENDOR_VERSION}" in dockerfile
