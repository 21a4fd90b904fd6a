"""The restored copy's application checks on their own: each names what it found, skips only what it cannot have,
and one that raises is a failed check with its reason (never a crash that hides the others)."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from apps.backups.services import verify
from apps.backups.services.fingerprint import Marker, fingerprint
from apps.backups.services.verify import check_fingerprint, check_marker, check_migrations, run_checks

pytestmark = pytest.mark.django_db


def test_the_migrations_check_passes_on_the_schema_this_code_expects():
    check = check_migrations()
    assert check.passed and "none pending" in check.detail


def test_without_a_recorded_fingerprint_or_marker_the_checks_say_they_skipped():
    assert check_fingerprint(None).passed and "skipped" in check_fingerprint(None).detail
    assert check_marker(None).passed and "skipped" in check_marker(None).detail


def test_a_missing_drill_marker_means_replay_stopped_before_the_target():
    check = check_marker(uuid.uuid4())
    assert not check.passed and "stopped before the target" in check.detail


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the check opens its own REPEATABLE READ transaction, as in a drill
def test_the_fingerprint_check_names_a_difference(tenant_with_books):
    now = fingerprint()
    assert check_fingerprint(Marker(at=timezone.now(), fingerprint=now)).passed
    table = next(iter(now))
    count, digest = now[table]
    altered = {**now, table: (count + 1, digest)}
    check = check_fingerprint(Marker(at=timezone.now(), fingerprint=altered))
    assert not check.passed and check.detail


def test_a_check_that_raises_is_failed_with_its_reason_and_the_others_still_run(monkeypatch):
    def broken():
        raise RuntimeError("relation does not exist")

    monkeypatch.setattr(verify, "check_trial_balances", broken)
    results = {c.name: c for c in run_checks(None, None, None, include_files=False)}
    assert not results["trial balances"].passed
    assert "could not run: RuntimeError: relation does not exist" in results["trial balances"].detail
    assert results["migrations"].passed and "audit chains" in results and "VAT returns" in results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # committed, so that the owner's own connection sees the books
def test_the_trial_balance_check_reads_the_lines_and_names_a_summary_that_drifted_from_them(tenant_with_books):
    """The pages read the monthly summary (decision 0043); a restore must prove the lines, and the summary too."""
    import psycopg
    from django.db import connections

    assert verify.check_trial_balances().passed
    owner = connections["owner"].settings_dict
    tenant_id = str(tenant_with_books.tenant.pk)
    # Past the triggers, as only a bug or bit rot could: the owner, inside the tenant (row-level security is forced).
    with psycopg.connect(
        host=owner["HOST"], port=owner["PORT"], user=owner["USER"], dbname=owner["NAME"], autocommit=True
    ) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, false)", [tenant_id])
        changed = conn.execute(
            "UPDATE ledger_accountmonth SET debit = debit + 1"
            " WHERE id IN (SELECT id FROM ledger_accountmonth WHERE debit > 0 LIMIT 1)"
        ).rowcount
    assert changed == 1
    check = verify.check_trial_balances()
    assert not check.passed and "summary disagrees with the lines" in check.detail and tenant_id in check.detail
