"""manage.py run_retention [--dry-run | --apply]: the retention job by hand; prints the counts per category."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.privacy.services.retention import run_retention


class Command(BaseCommand):
    help = "Apply the retention policies now (a dry run unless --apply, or PRIVACY_RETENTION_ENABLED without flags)."

    def add_arguments(self, parser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")
        mode.add_argument("--apply", action="store_true", help="Delete what is due, whatever the setting says.")

    def handle(self, *args, dry_run: bool = False, apply: bool = False, **options) -> None:
        run = run_retention(dry_run=True if dry_run else (False if apply else None), triggered_by="command")
        self.stdout.write(f"retention run {run.pk} ({'dry run' if run.dry_run else 'applied'})")
        for category, counts in run.counts.items():
            line = f"  {category:<15} due {counts['due']:>6}  deleted {counts['deleted']:>6}  kept {counts['kept']:>6}"
            self.stdout.write(line + (f"  ({counts['note']})" if counts["note"] else ""))
