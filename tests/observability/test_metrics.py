"""/metrics: the web process's Django metrics and the domain metrics the alerts are written against."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from apps.documents.models import TaskRun
from apps.documents.services.upload import upload_document
from apps.documents.tasks import process_document
from golden.cases import load_cases

pytestmark = pytest.mark.django_db


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_endpoint_exports_django_and_domain_metrics(client):
    client.get("/health/live")
    body = client.get("/metrics").content.decode()
    for family in (
        "django_http_requests_latency_seconds_by_view_method",
        "django_http_responses_total_by_status_view_method",
        "strongroom_ocr_duration_seconds",
        "strongroom_documents_processed_total",
        "strongroom_task_runtime_seconds",
        "strongroom_audit_events_written_total",
        "strongroom_login_failures_total",
    ):
        assert f"# TYPE {family}" in body, family
    assert 'strongroom_ocr_duration_seconds_bucket{le="6.0"}' in body
    assert 'strongroom_ocr_duration_seconds_bucket{le="30.0"}' in body


def test_metrics_needs_no_sign_in_or_2fa(client, staff_user):
    client.force_login(staff_user)  # an unverified staff session is sent to 2FA everywhere else
    assert client.get("/metrics").status_code == 200


def _snapshot() -> tuple[float, ...]:
    return (
        value("strongroom_ocr_duration_seconds_count"),
        value("strongroom_documents_processed_total", outcome="posted")
        + value("strongroom_documents_processed_total", outcome="needs_review"),
        value("strongroom_task_runtime_seconds_count", task="documents.process_document"),
        value("strongroom_audit_events_written_total"),
    )


def test_processing_a_document_moves_the_domain_metrics(tenant_a, in_tenant):
    from apps.ledger.services.accounts import seed_chart_of_accounts

    with in_tenant(tenant_a):
        seed_chart_of_accounts(tenant_a)
    before = _snapshot()
    case = next(c for c in load_cases(group="good") if c.file.startswith("013-"))
    document = upload_document(tenant=tenant_a, content=case.content(), filename=case.file).document
    with in_tenant(tenant_a):
        run = TaskRun.objects.get(document=document)
    process_document.apply(kwargs={"tenant_id": str(tenant_a.pk), "document_id": str(document.pk),
                                   "run_id": str(run.pk)})  # fmt: skip
    after = _snapshot()
    assert [a - b for a, b in zip(after, before, strict=True)][:3] == [1, 1, 1]
    assert after[3] > before[3], "posting writes audit events"


def test_a_failed_step_is_counted_by_cause(tenant_a, in_tenant, monkeypatch):
    from apps.documents.extraction import errors, reader
    from tests.documents.samples import pdf_bytes

    def unreadable(*args, **kwargs):
        raise errors.ReadError("nothing to read")

    monkeypatch.setattr(reader, "read_document", unreadable)
    before = value("strongroom_pipeline_step_failures_total", step="ocr", reason="unreadable")
    document = upload_document(tenant=tenant_a, content=pdf_bytes(["q"]), filename="q.pdf").document
    with in_tenant(tenant_a):
        run = TaskRun.objects.get(document=document)
    process_document.apply(kwargs={"tenant_id": str(tenant_a.pk), "document_id": str(document.pk),
                                   "run_id": str(run.pk)})  # fmt: skip
    assert value("strongroom_pipeline_step_failures_total", step="ocr", reason="unreadable") == before + 1


def test_login_failures_are_counted(client, user):
    before = value("strongroom_login_failures_total")
    client.post("/accounts/login/", {"email": user.email, "password": "wrong password entirely"})
    assert value("strongroom_login_failures_total") == before + 1
