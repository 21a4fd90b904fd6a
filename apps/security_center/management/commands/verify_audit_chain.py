"""manage.py verify_audit_chain: check every audit chain; exit 1 and name the first broken link.

A run over every chain is recorded (the security center's ``audit.chain`` check
and the audit-chain gauges read it); ``--chain`` checks one chain and records nothing.
"""

from __future__ import annotations

import time
import uuid

from django.core.management.base import BaseCommand, CommandError

from apps.audit.selectors import verify_chain
from apps.security_center.center.services import record_chain_verification
from apps.security_center.selectors import all_chains


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log (every tenant and the platform chain)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--chain", type=uuid.UUID, help="Verify only this chain (a tenant id, or 0000… for platform)."
        )

    def handle(self, *args, chain: uuid.UUID | None = None, **options) -> None:
        chains = [chain] if chain else all_chains()
        started = time.monotonic()
        reports = []
        for chain_id in chains:
            report = verify_chain(chain_id)
            self.stdout.write(report.describe())
            reports.append(report)
        if chain is None:
            record_chain_verification(reports, trigger="command", seconds=time.monotonic() - started)
        broken = [r for r in reports if not r.ok]
        if broken:
            first = broken[0]
            raise CommandError(
                f"{len(broken)} broken chain(s); first broken link: chain {first.chain} seq {first.broken_seq} "
                f"(event {first.broken_event_id}): {first.reason}"
            )
        self.stdout.write(self.style.SUCCESS(f"All {len(chains)} chains intact."))
