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
# H3 (issue #17): one worker service per kind of work.
WORKERS = {"worker-ocr", "worker-filing", "worker-maintenance"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_the_full_stack_is_there(compose):
    services = compose["services"]
    assert {"web", "beat", "postgres", "redis", "prometheus", "alertmanager", "grafana"} <= set(services)
    assert set(services) >= WORKERS
    assert services["postgres"]["image"] == "postgres:15"
    assert "gunicorn" in services["web"]["command"] and "deploy/gunicorn.conf.py" in services["web"]["command"]
    for worker in WORKERS:
        assert services[worker]["command"][:4] == ["celery", "-A", "config", "worker"], worker
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
    for worker in WORKERS:
        worker_port = compose["services"][worker]["environment"]["WORKER_HTTP_PORT"]
        assert f"{worker}:{worker_port}" in targets, worker


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


# --- The TLS proxy and the network facts HMRC's fraud-prevention headers need ----------------------------


def _env_example() -> dict[str, str]:
    """The variables env.example sets (uncommented lines only)."""
    pairs = re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", (DEPLOY / "env.example").read_text(), flags=re.M)
    return {name: value.strip() for name, value in pairs}


def _app_environment(compose: dict, example: dict[str, str]) -> dict[str, str]:
    """web's environment as compose would give it: env_file (.env from env.example), then `environment`
    with ${NAME...} filled in from .env."""

    def interpolate(value: str) -> str:
        return re.sub(r"\$\{([A-Z0-9_]+)[^}]*\}", lambda m: example.get(m.group(1), ""), str(value))

    environment = compose["services"]["web"]["environment"]
    return {**example, **{name: interpolate(value) for name, value in environment.items()}}


def test_the_proxy_is_the_only_way_in(compose):
    services = compose["services"]
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "./nginx/strongroom.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert "ports" not in services["web"], "web must not be reachable except through the proxy"
    assert "server web:8000;" in (DEPLOY / "nginx" / "strongroom.conf").read_text()


def test_every_app_process_knows_the_proxy_and_hmrc(compose):
    for name in ("migrate", "web", *sorted(WORKERS), "beat"):
        environment = compose["services"][name]["environment"]
        assert environment["BEHIND_TLS_PROXY"] == "true", name
        assert environment["TRUSTED_PROXY_COUNT"] == "1", name
        assert environment["CLIENT_PORT_HEADER"] == "X-Client-Port", name
        for variable in ("SITE_URL", "VENDOR_PUBLIC_IP", "HMRC_API_BASE_URL", "HMRC_AUTHORIZE_URL", "HMRC_CLIENT_ID"):
            assert environment[variable] == f"${{{variable}:?set in .env}}", (name, variable)


def test_env_example_sets_what_production_requires():
    example = _env_example()
    for variable in ("SECRET_KEY", "FIELD_ENCRYPTION_KEKS", "ALLOWED_HOSTS", "SITE_URL", "VENDOR_PUBLIC_IP",
                     "HMRC_API_BASE_URL", "HMRC_AUTHORIZE_URL", "HMRC_CLIENT_ID", "HMRC_CLIENT_SECRET"):  # fmt: skip
        assert example.get(variable), f"env.example does not set {variable}"
    assert example["HMRC_API_BASE_URL"] == "https://api.service.hmrc.gov.uk"
    assert example["HMRC_AUTHORIZE_URL"] == "https://www.tax.service.gov.uk/oauth/authorize"


def test_the_shipped_configuration_passes_the_production_checks_once_its_placeholders_are_filled(compose, tmp_path):
    """env.example + compose under `manage.py check --deploy`: only the placeholders an operator must
    replace are refused (the documentation IP), and with a real one nothing is."""
    from tests.config.test_production_settings import _manage, production_env

    throwaway = production_env(tmp_path)
    example = {k: throwaway.get(k, v) if v == "change-me" else v for k, v in _env_example().items()}
    environment = _app_environment(compose, example)
    environment = {
        k: v for k, v in environment.items() if not k.startswith(("DATABASE_", "CELERY_", "CACHE_", "PROMETHEUS_"))
    }
    environment["STRONGROOM_VAR_DIR"] = str(tmp_path)
    placeholder = _manage("check", "--deploy", "--tag", "strongroom", **environment)
    assert placeholder.returncode == 1
    assert re.findall(r"integrations\.E\d+", placeholder.stderr) == ["integrations.E005"], placeholder.stderr
    real = _manage("check", "--deploy", "--tag", "strongroom", **{**environment, "VENDOR_PUBLIC_IP": "51.140.20.7"})
    assert real.returncode == 0, real.stderr


# --- H3 (issue #17): separate worker pools, a durable broker, the monitor's password -----------------------------


def _queues(service: dict) -> set[str]:
    command = service["command"]
    return set(command[command.index("-Q") + 1].split(","))


def _option(service: dict, name: str) -> str:
    command = service["command"]
    return command[command.index(name) + 1]


def test_ocr_and_filing_have_their_own_worker_pools_and_every_queue_is_served(compose):
    from apps.documents.queueing import BULK_QUEUES, OCR_QUEUES
    from apps.observability.collectors import QUEUES

    services = compose["services"]
    assert _queues(services["worker-ocr"]) == set(OCR_QUEUES), "OCR alone: a burst of it delays nothing else"
    assert _queues(services["worker-filing"]) == {"filing", "integrations"}
    assert _queues(services["worker-maintenance"]) == {"maintenance", "default"}
    served = [queue for worker in WORKERS for queue in _queues(services[worker])]
    assert set(BULK_QUEUES) <= set(QUEUES), "the queue-depth metrics name the fair OCR queues too"
    assert sorted(served) == sorted(QUEUES), "every queue served by exactly one worker service"
    for worker in WORKERS:
        assert re.fullmatch(r"\$\{[A-Z_]+_CONCURRENCY:-[1-9]\d*\}", _option(services[worker], "--concurrency")), worker
        assert services[worker]["environment"]["WORKER_HTTP_PORT"] == "9808"
        assert services[worker]["healthcheck"]["test"][-1].endswith(":9808/health')")
    assert _option(services["worker-ocr"], "--prefetch-multiplier") == "1", "long OCR tasks are not hoarded"
    assert services["worker-ocr"]["environment"]["OMP_THREAD_LIMIT"] == "1"
    for worker in WORKERS:  # the pool's processes' metrics reach :9808/metrics (issue #18), fresh per start
        directory = services[worker]["environment"]["PROMETHEUS_MULTIPROC_DIR"]
        assert directory in services[worker]["tmpfs"], worker


def test_redis_keeps_an_append_only_file_on_its_volume(compose):
    redis = compose["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "${REDIS_APPENDONLY:-yes}"
    assert command[command.index("--appendfsync") + 1] == "everysec"
    assert command[command.index("--dir") + 1] == "/data" and "redisdata:/data" in redis["volumes"]


def test_the_monitor_password_is_required_and_generated_by_set_up(compose, tmp_path):
    for name in ("web", *sorted(WORKERS), "beat"):
        value = compose["services"][name]["environment"]["SYNTHETIC_MONITOR_PASSWORD"]
        assert value.startswith("${SYNTHETIC_MONITOR_PASSWORD:?"), name
    env = tmp_path / ".env"
    subprocess.run(["sh", str(DEPLOY / "setup-env.sh"), str(env)], check=True, capture_output=True)
    first = dict(re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", env.read_text(), flags=re.M))
    assert len(first["SYNTHETIC_MONITOR_PASSWORD"]) >= 32 and first["SYNTHETIC_MONITOR_PASSWORD"] != "change-me"
    for secret in ("SECRET_KEY", "POSTGRES_PASSWORD", "STRONGROOM_APP_PASSWORD", "FIELD_ENCRYPTION_KEKS"):
        assert first[secret] != "change-me", secret
    assert env.stat().st_mode & 0o077 == 0, "the .env is readable by its owner only"
    subprocess.run(["sh", str(DEPLOY / "setup-env.sh"), str(env)], check=True, capture_output=True)
    again = dict(re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", env.read_text(), flags=re.M))
    assert again == first, "running set-up again never replaces a secret (a restart keeps the monitor's password)"
    assert "deploy/.env" in (DEPLOY.parent / ".gitignore").read_text().split()
