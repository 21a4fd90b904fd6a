"""The export task settles its outbox row; the export store refuses names that are not its own."""

from __future__ import annotations

import pytest

from apps.outbox.models import OutboxItem, OutboxState
from apps.outbox.services import enqueue
from apps.privacy import selectors, store
from apps.privacy.models import PrivacyRequest
from apps.privacy.services.requests import open_request
from apps.privacy.services.retention import run_retention
from apps.privacy.tasks import privacy_build_export

pytestmark = pytest.mark.django_db


def test_the_export_task_settles_its_outbox_row_and_ignores_a_duplicate(tenant_a, owner_a):
    request = open_request(kind="access", subject_tenant=tenant_a, requested_by=owner_a)
    item = OutboxItem.objects.get(key=f"privacy-export:{request.pk}")
    assert (
        privacy_build_export.apply(kwargs={"request_id": str(request.pk), "outbox_id": str(item.pk)}).get() == "ready"
    )
    item.refresh_from_db()
    assert item.state == OutboxState.DONE
    again = privacy_build_export.apply(kwargs={"request_id": str(request.pk), "outbox_id": str(item.pk)})
    assert again.get() == "already_settled"


def test_a_failing_export_task_records_the_failed_attempt(tenant_a, owner_a, monkeypatch):
    request = open_request(kind="access", subject_tenant=tenant_a, requested_by=owner_a)
    item = OutboxItem.objects.get(key=f"privacy-export:{request.pk}")

    def boom(request_id):
        raise RuntimeError("no space left")

    monkeypatch.setattr("apps.privacy.tasks.build_export", boom)
    with pytest.raises(RuntimeError):
        privacy_build_export.apply(kwargs={"request_id": str(request.pk), "outbox_id": str(item.pk)}).get()
    item.refresh_from_db()
    assert item.state != OutboxState.DONE and "no space left" in item.last_error
    enqueue("maintenance.privacy_build_export", key="dup", kwargs={"request_id": str(request.pk)})  # accepted kwargs


def test_the_store_refuses_names_that_could_leave_its_folder():
    for bad in ("", "../x.zip", ".hidden", "a/b.zip"):
        with pytest.raises(ValueError):
            store.export_path(bad)
    assert store.delete_export("never-written.zip") is False
    assert oct(store.export_dir().stat().st_mode & 0o777) == "0o700"


def test_last_run_can_ask_for_a_mode():
    assert selectors.last_run(dry_run=False) is None
    run_retention(dry_run=True, triggered_by="test")
    assert selectors.last_run(dry_run=True) is not None and selectors.last_run(dry_run=False) is None
    assert PrivacyRequest.objects.count() == 0


def test_the_state_tables_name_real_states_and_refuse_a_lost_race(tenant_a, owner_a):
    from apps.privacy.errors import PrivacyStateError
    from apps.privacy.states import CLOSE_STATES, REQUEST_STATES, move_request

    for machine in (REQUEST_STATES, CLOSE_STATES):
        assert machine.states <= set(machine.labels) and all(t.sources for t in machine.transitions.values())
    request = open_request(kind="erasure", subject_tenant=tenant_a, requested_by=owner_a)
    stale = PrivacyRequest.objects.get(pk=request.pk)
    move_request(request, "complete")
    with pytest.raises(PrivacyStateError):
        move_request(stale, "complete")
