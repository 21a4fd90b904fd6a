"""manage.py run_security_checks: run every security check now (platform and each business) and record the run."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.security_center.center.services import record_check_run
from apps.security_center.models import CheckRecord


class Command(BaseCommand):
    help = (
        "Run every security center check (platform and each business) and record the results, as the hourly job does."
    )

    def handle(self, *args, **options) -> None:
        run = record_check_run(trigger="command")
        for record in CheckRecord.objects.filter(run=run, tenant_id__isnull=True).order_by("check_id"):
            self.stdout.write(f"{record.status.upper():8} {record.check_id}: {record.summary}")
        failing = CheckRecord.objects.filter(run=run, tenant_id__isnull=False, status="fail").count()
        self.stdout.write(f"{run.tenants} businesses checked; {failing} failing result(s) across them.")
