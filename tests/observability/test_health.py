from __future__ import annotations

import json
import os

import pytest
from django.db import connection

from apps.observability import health


def test_live_answers_without_database(client):
    response = client.get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_ready_reports_each_check_with_latency(client):
    response = client.get("/health/ready")
    assert response.status_code == 200, response.content
    checks = response.json()["checks"]
    assert {"database", "migrations"} <= set(checks)
    for result in checks.values():
        assert result["status"] == "ok" and result["latency_ms"] >= 0
    if os.environ.get("CELERY_BROKER_URL"):
        assert "broker" in checks and "cache" in checks


@pytest.mark.django_db
def test_ready_is_503_when_a_check_fails(client, monkeypatch):
    def broken():
        raise RuntimeError("database is away")

    monkeypatch.setattr(health, "check_database", broken)
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "error"
    assert body["checks"]["database"] == {
        "status": "error",
        "latency_ms": body["checks"]["database"]["latency_ms"],
        "detail": "RuntimeError: database is away",
    }
    assert "migrations" not in body["checks"]


@pytest.mark.django_db
def test_unapplied_migrations_make_it_not_ready(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("fake", False)])
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"]["detail"] == "RuntimeError: 1 migration(s) not applied"


@pytest.mark.django_db
def test_health_needs_no_session_and_echoes_request_id(client):
    response = client.get("/health/live", HTTP_X_REQUEST_ID="probe-12345678")
    assert response["X-Request-ID"] == "probe-12345678"
    assert "sessionid" not in response.cookies


def test_request_id_is_generated_when_missing_or_invalid(client):
    generated = client.get("/health/live", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert len(generated) == 32 and " " not in generated


@pytest.mark.django_db
def test_readiness_only_uses_the_default_connection():
    assert {r.name for r in health.readiness()} >= {"database"}
    assert connection.vendor in {"sqlite", "postgresql"}
