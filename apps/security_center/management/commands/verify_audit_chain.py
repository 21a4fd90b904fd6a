"""manage.py verify_audit_chain: check every audit chain; exit 1 and name the first broken link.

A run over every chain is recorded (the security center's ``audit.chain`` check
and the audit-chain gauges read it) and resets each chain's checkpoint; ``--chain``
checks one chain and records nothing. By default every chain is read from its
first event (the full re-verification that finds an event changed before a
checkpoint, decision 0037); ``--incremental`` reads only what the hourly job reads.
"""

from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError

from apps.audit.selectors import verify_chain
from apps.security_center.center.services import verify_every_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log (every tenant and the platform chain)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--chain", type=uuid.UUID, help="Verify only this chain (a tenant id, or 0000… for platform)."
        )
        parser.add_argument(
            "--incremental", action="store_true", help="Each chain from its checkpoint (the hourly job's reading)."
        )

    def handle(self, *args, chain: uuid.UUID | None = None, incremental: bool = False, **options) -> None:
        if chain is not None:
            reports = [verify_chain(chain)]
        else:
            reports, verification = verify_every_chain(trigger="command", full=not incremental)
            how = "from the first event" if verification.full else "from each chain's checkpoint"
            self.stdout.write(f"{verification.chains} chains, {verification.events} events read {how}.")
        for report in reports:
            self.stdout.write(report.describe())
        broken = [r for r in reports if not r.ok]
        if broken:
            first = broken[0]
            raise CommandError(
                f"{len(broken)} broken chain(s); first broken link: chain {first.chain} seq {first.broken_seq} "
                f"(event {first.broken_event_id}): {first.reason}"
            )
        self.stdout.write(self.style.SUCCESS(f"All {len(reports)} chains intact."))
