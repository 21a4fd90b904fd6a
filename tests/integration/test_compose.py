"""deploy/docker-compose.yml is well formed and wired as the rest of deploy/ expects.

No Docker client here, so this checks what ``docker compose config`` would:
YAML that parses, every service with an image or a build, dependencies that
exist, variables documented in env.example, mounted files that exist; and the
names Prometheus and Grafana use. Where Docker exists, the last test runs
``docker compose config`` itself.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_the_full_stack_is_there(compose):
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis", "prometheus", "alertmanager", "grafana"} <= set(services)
    assert services["postgres"]["image"] == "postgres:15"
    assert "gunicorn" in services["web"]["command"] and "deploy/gunicorn.conf.py" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]


def test_every_service_has_an_image_or_a_build_and_real_dependencies(compose):
    services = compose["services"]
    for name, service in services.items():
        assert service.get("image") or service.get("build"), name
        depends = service.get("depends_on") or {}
        for other in depends if isinstance(depends, list) else depends.keys():
            assert other in services, f"{name} depends on unknown {other}"
    assert (DEPLOY / "Dockerfile").exists()


def test_names_match_prometheus_and_grafana(compose):
    prometheus = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    targets = {t for job in prometheus["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    assert "web:8000" in targets
    assert compose["services"]["web"]["environment"]["GUNICORN_BIND"].endswith(":8000")
    worker_port = compose["services"]["worker"]["environment"]["WORKER_HTTP_PORT"]
    assert f"worker:{worker_port}" in targets


def test_mounted_files_exist(compose):
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (DEPLOY / source).resolve().exists(), f"{name} mounts missing {source}"


def test_required_variables_are_in_env_example(compose):
    example = (DEPLOY / "env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.M))
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", COMPOSE.read_text())) - {"STRONGROOM_IMAGE"}
    assert used <= documented, f"not in env.example: {sorted(used - documented)}"
    assert "SECRET_KEY" in documented


def test_docker_compose_config_accepts_it_where_docker_exists(tmp_path):
    docker = shutil.which("docker")
    has_compose = docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    if not has_compose:
        pytest.skip("no Docker Compose client on this machine: the structure tests above stand in for it")
    env = tmp_path / ".env"
    env.write_text((DEPLOY / "env.example").read_text())
    result = subprocess.run([docker, "compose", "-f", str(COMPOSE), "--env-file", str(env), "config", "-q"],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stderr
