"""The checks a restored copy must pass, run through the application's own code against that copy.

Called inside ``run_against(restored database, …)``: ``default`` is the restored cluster, reached as the
application role, so row-level security holds and each check reads the way the product does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q

from apps.backups.models import RestoreDrill
from apps.backups.services.fingerprint import Marker, differences, fingerprint
from apps.backups.services.reconcile import reconcile_files
from apps.filing.domain import ReturnStatus
from apps.filing.models import SubmissionAttempt, VatReturn
from apps.ledger.selectors import trial_balance
from apps.security_center.selectors import verify_all_chains
from apps.tenancy.context import tenant_context
from apps.tenancy.selectors import all_tenant_ids


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str

    def as_dict(self) -> dict:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


def check_migrations() -> Check:
    """The restored schema is at the migrations this code expects (none pending, none unknown)."""
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    applied = set(executor.loader.applied_migrations)
    unknown = sorted(f"{app}.{name}" for app, name in applied - set(executor.loader.graph.nodes))
    if pending or unknown:
        names = [f"{m.app_label}.{m.name}" for m, _ in pending]
        return Check("migrations", False, f"pending: {names[:10]}; unknown to this code: {unknown[:10]}")
    return Check("migrations", True, f"{len(applied)} migrations applied, none pending")


def check_fingerprint(marker: Marker | None) -> Check:
    if marker is None:
        return Check("row counts and checksums", True, "skipped: no fingerprint was recorded at that target time")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        actual = fingerprint()
    found = differences(marker.fingerprint, actual)
    if found:
        return Check("row counts and checksums", False, "; ".join(found))
    rows = sum(count for count, _ in marker.fingerprint.values())
    return Check("row counts and checksums", True, f"{len(actual)} table slices, {rows} rows equal the source")


def check_marker(drill_id: uuid.UUID | None) -> Check:
    """The drill's own row, committed just before its target, came back: replay reached the target."""
    if drill_id is None:
        return Check("target reached", True, "skipped: no marker row")
    if RestoreDrill.objects.filter(pk=drill_id).exists():
        return Check("target reached", True, "the drill's marker row, committed just before the target, is present")
    return Check("target reached", False, "the drill's marker row is missing: replay stopped before the target")


def check_trial_balances() -> Check:
    """Each tenant's trial balance summed from its lines balances, and the monthly summary agrees with it.

    From the lines, not the summary the pages read (decision 0043): a restore must prove the lines themselves,
    and a summary that drifted from them (written past its triggers) is named too.
    """
    unbalanced, drifted = [], []
    tenants = all_tenant_ids()
    for tenant_id in tenants:
        with tenant_context(tenant_id):
            balance = trial_balance(from_lines=True)
            summary = trial_balance()
        if not balance.balanced:
            unbalanced.append(
                f"tenant {tenant_id}: debits {balance.total_debit} != credits {balance.total_credit}"
                if balance.total_debit != balance.total_credit
                else f"tenant {tenant_id}: debit balances {balance.total_debit_balance} != credit balances "
                f"{balance.total_credit_balance}"
            )
        elif summary.rows != balance.rows:
            drifted.append(f"tenant {tenant_id}")
    if unbalanced:
        return Check("trial balances", False, "unbalanced ledger: " + "; ".join(unbalanced[:10]))
    if drifted:
        detail = "; ".join(drifted[:10])
        return Check("trial balances", False, f"the monthly account summary disagrees with the lines: {detail}")
    return Check("trial balances", True, f"{len(tenants)} tenants' trial balances balance")


def check_documents(root: Path | None) -> Check:
    report = reconcile_files(root)
    where = f"restored snapshot at {root}" if root else "live document storage"
    return Check("document files", report.ok, f"{report.describe()} ({where})")


def check_audit_chains() -> Check:
    reports = verify_all_chains()
    broken = [r.describe() for r in reports if not r.ok]
    if broken:
        return Check("audit chains", False, "; ".join(broken[:10]))
    return Check("audit chains", True, f"{len(reports)} chains, {sum(r.events for r in reports)} events, intact")


def check_returns() -> Check:
    """No VAT return is half-submitted: every receipt has its status and every status its receipt or attempt."""
    problems = []
    resumable = 0
    for tenant_id in all_tenant_ids():
        with tenant_context(tenant_id):
            half = VatReturn.objects.filter(
                Q(status=ReturnStatus.SUBMITTED, submitted_at__isnull=True, reconciled_from_hmrc=False)
                | Q(status=ReturnStatus.SUBMITTED, form_bundle_number="", reconciled_from_hmrc=False)
                | Q(~Q(status=ReturnStatus.SUBMITTED), ~Q(form_bundle_number=""))
            )
            accepted_elsewhere = VatReturn.objects.exclude(status=ReturnStatus.SUBMITTED).filter(
                submission_attempts__outcome__in=[
                    SubmissionAttempt.Outcome.SUBMITTED,
                    SubmissionAttempt.Outcome.RECONCILED,
                ]
            )
            submitting = VatReturn.objects.filter(status=ReturnStatus.SUBMITTING)
            orphaned = submitting.exclude(submission_attempts__outcome=SubmissionAttempt.Outcome.IN_FLIGHT)
            for vat_return in [*half, *accepted_elsewhere, *orphaned]:
                problems.append(f"tenant {tenant_id} return {vat_return.period_key} ({vat_return.status})")
            resumable += submitting.count() - orphaned.count()
    if problems:
        return Check("VAT returns", False, "half-submitted: " + "; ".join(sorted(set(problems))[:10]))
    note = f"; {resumable} mid-send, to be reconciled with HMRC by the resume task" if resumable else ""
    return Check("VAT returns", True, "no return is half-submitted" + note)


def run_checks(
    marker: Marker | None, drill_id: uuid.UUID | None, documents_root: Path | None, *, include_files: bool = True
) -> list[Check]:
    """Every application-level check, in order; one that raises is a failed check, not a crash."""
    steps: list[tuple[str, Callable[[], Check]]] = [
        ("migrations", check_migrations),
        ("row counts and checksums", lambda: check_fingerprint(marker)),
        ("target reached", lambda: check_marker(drill_id)),
        ("trial balances", check_trial_balances),
        ("audit chains", check_audit_chains),
        ("VAT returns", check_returns),
    ]
    if include_files:
        steps.append(("document files", lambda: check_documents(documents_root)))
    results = []
    for name, step in steps:
        try:
            results.append(step())
        except Exception as exc:  # a check that cannot run has failed, and says why
            results.append(Check(name, False, f"could not run: {type(exc).__name__}: {exc}"))
    return results
