"""The deployed processes, for real: health of each, an API upload posted by the worker, metrics of both."""

from __future__ import annotations

import time

from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership
from golden.cases import GOLDEN_DIR
from tests.e2e import seed


def wait_for(fetch, done, *, timeout: float = 90.0, every: float = 0.5):
    """Poll ``fetch()`` until ``done(value)``; return the last value (the assertion after says what was wrong)."""
    deadline = time.monotonic() + timeout
    value = fetch()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(every)
        value = fetch()
    return value


def test_web_is_live_and_ready(stack, http):
    live = http.get(f"{stack.url}/health/live", timeout=5)
    assert live.status_code == 200
    ready = http.get(f"{stack.url}/health/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body.get("status") in {"ok", "ready"}, body


def test_worker_answers_health_and_metrics(stack, http):
    worker = f"http://127.0.0.1:{stack.worker_http_port}"
    health = wait_for(lambda: http.get(f"{worker}/health", timeout=5), lambda r: r.status_code == 200, timeout=30)
    assert health.status_code == 200, health.text
    metrics = http.get(f"{worker}/metrics", timeout=5)
    assert metrics.status_code == 200 and "# TYPE" in metrics.text


def test_beat_is_running_and_has_synced_the_schedule_into_the_database(stack, committed):
    from django_celery_beat.models import PeriodicTask

    names = wait_for(lambda: set(PeriodicTask.objects.values_list("name", flat=True)),
                     lambda n: "reconcile-documents" in n, timeout=30)  # fmt: skip
    assert stack.procs["beat"].poll() is None, stack.tail("beat")
    assert "reconcile-documents" in names, f"beat has not written its schedule: {names}\n{stack.tail('beat')}"


def api_key(tenant, person) -> str:
    from apps.tenancy.services import create_api_token

    with tenant_context(tenant):
        membership = Membership.objects.get(user=person.user, tenant=tenant)
        return create_api_token(membership=membership, name="Scanner", actor=person.user)[1]


def test_an_api_upload_is_posted_by_the_real_worker(stack, http, committed):
    tenant, owner = seed.business("Hollybush Bakery Ltd")
    key = api_key(tenant, owner)
    auth = {"Authorization": f"Token {key}"}
    content = (GOLDEN_DIR / "documents" / "001-quillfeather-invoice.pdf").read_bytes()

    created = http.post(f"{stack.url}/api/v1/documents/", headers=auth,
                        files={"file": ("quillfeather.pdf", content, "application/pdf")}, timeout=30)  # fmt: skip
    assert created.status_code == 201, created.text
    document = created.json()
    assert document["state"] == "received"

    url = f"{stack.url}/api/v1/documents/{document['id']}/"
    final = wait_for(lambda: http.get(url, headers=auth, timeout=10).json(),
                     lambda d: d["state"] in {"posted", "needs_review", "failed"})  # fmt: skip
    assert final["state"] == "posted", f"{final}\nworker log:\n{stack.tail('worker')}"
    assert final["journal_entry_id"]
    assert final["supplier"] == "Quillfeather Stationers Ltd"

    # The same bytes again: refused as a duplicate, nothing new queued.
    again = http.post(f"{stack.url}/api/v1/documents/", headers=auth,
                      files={"file": ("again.pdf", content, "application/pdf")}, timeout=30)  # fmt: skip
    assert again.status_code == 409 and again.json()["extra"]["duplicate_of"] == document["id"]

    # Another business's token cannot read it.
    other, other_owner = seed.business("Bramley Florists Ltd")
    other_key = api_key(other, other_owner)
    assert http.get(url, headers={"Authorization": f"Token {other_key}"}, timeout=10).status_code == 404


def test_web_metrics_count_requests_across_gunicorn_workers(stack, http):
    for _ in range(6):
        http.get(f"{stack.url}/health/live", timeout=5)
    metrics = http.get(f"{stack.url}/metrics", timeout=10)
    assert metrics.status_code == 200
    served = [
        float(line.rsplit(" ", 1)[1])
        for line in metrics.text.splitlines()
        if line.startswith("django_http_responses_total_by_status_view_method_total{") and 'view="health:live"' in line
    ]
    assert sum(served) >= 6, "the six requests above, summed over the gunicorn workers"
    assert "strongroom_" in metrics.text
