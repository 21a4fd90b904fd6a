"""Run the synthetic checks once, in this process (the demo has no beat; cron can use it too)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.monitors.synthetic import CHECKS, ensure_synthetic_tenant, run_check


class Command(BaseCommand):
    help = "Run the synthetic checks once and print their results."

    def add_arguments(self, parser) -> None:
        parser.add_argument("checks", nargs="*", help=f"some of: {', '.join(CHECKS)} (default: all)")

    def handle(self, *args, checks: list[str], **options) -> None:
        unknown = sorted(set(checks) - set(CHECKS))
        if unknown:
            raise CommandError(f"unknown check(s): {', '.join(unknown)}; choose from {', '.join(CHECKS)}")
        ensure_synthetic_tenant()
        for name in checks or CHECKS:
            run = run_check(name)
            outcome = "skipped" if run.skipped else ("ok" if run.ok else "FAILED")
            self.stdout.write(f"{name:8} {outcome:8} {run.duration_seconds:6.2f} s  {run.error}")
