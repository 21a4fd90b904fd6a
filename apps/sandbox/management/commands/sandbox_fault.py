"""Switch the sandbox's injected faults: ``manage.py sandbox_fault hmrc --outage`` / ``... all --clear``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.sandbox.services import faults


class Command(BaseCommand):
    help = "Set (replacing) or clear the injected faults of a sandboxed service."

    def add_arguments(self, parser) -> None:
        parser.add_argument("service", choices=[*faults.SERVICES, "all"])
        parser.add_argument("--outage", action="store_true", help="answer 503")
        parser.add_argument("--latency-ms", type=int, default=0, help="sleep this long before answering")
        parser.add_argument("--error-rate", type=float, default=0.0, help="probability (0-1) of a 500")
        parser.add_argument("--rate-limited", action="store_true", help="answer 429")
        parser.add_argument("--clear", action="store_true", help="switch every fault of the service off")

    def handle(self, *args, service: str, clear: bool, **options) -> None:
        if clear:
            faults.clear_faults(None if service == "all" else service)
            self.stdout.write(f"Cleared faults for {service}.")
            return
        if service == "all":
            raise CommandError("'all' only works with --clear; name one service to set faults.")
        try:
            faults.set_fault(
                service,
                outage=options["outage"],
                latency_ms=options["latency_ms"],
                error_rate=options["error_rate"],
                rate_limited=options["rate_limited"],
                updated_by="sandbox_fault command",
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Faults for {service}: {faults.current_faults(service)}")
