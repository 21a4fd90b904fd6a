"""manage.py chaos: run the chaos experiments of deploy/chaos/ against a stack of their own.

    manage.py chaos --list                      the experiments and their set (short, full)
    manage.py chaos                             the short set (CHAOS=full: every experiment)
    manage.py chaos --experiment redis-restart  one (repeatable)
    manage.py chaos --full --keep-stack         every experiment, full-length faults; leave the stack up

The stack (PostgreSQL, Redis, gunicorn, workers, beat; ports 57400-57499) is
started here and stopped at the end. Journals go to var/chaos/; each run is
stored as a ChaosRun (the staff console's Chaos page and the
strongroom_chaos_* metrics read them). Exits 1 when any experiment did not pass.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.devtools.chaos import runner
from apps.monitors.chaos import record_chaos_run


class Command(BaseCommand):
    help = "Run chaos experiments (deploy/chaos/) against a stack of their own and store the results."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--experiment", action="append", dest="experiments", help="run this one (repeatable)")
        parser.add_argument("--list", action="store_true", help="list the experiments and exit")
        parser.add_argument("--full", action="store_true", help="every experiment, full-length (or CHAOS=full)")
        parser.add_argument("--keep-stack", action="store_true", help="leave the stack running afterwards")
        parser.add_argument("--no-store", action="store_true", help="do not store ChaosRun rows")

    def handle(self, *args, **options) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError("chaos refuses to run in production: it starts and kills a stack of its own.")
        full = options["full"] or os.environ.get("CHAOS", "") == "full"
        if options["list"]:
            for experiment in runner.experiments().values():
                self.stdout.write(f"{experiment.name:32} {experiment.tier:6} {experiment.title}")
            return
        try:
            chosen = runner.select(options["experiments"], full=full)
        except KeyError as exc:
            raise CommandError(str(exc.args[0])) from exc
        journal_dir = Path(settings.VAR_DIR) / "chaos"
        self.stdout.write(f"chaos: {len(chosen)} experiment(s), {'full' if full else 'short'} faults; "
                          f"journals in {journal_dir}")  # fmt: skip
        results = runner.run(chosen, journal_dir=journal_dir, short=not full, keep_stack=options["keep_stack"],
                             log=self.stdout.write)  # fmt: skip
        if not options["no_store"]:
            for r in results:
                record_chaos_run(experiment=r.experiment, tier=r.tier, started_at=r.started_at,
                                 finished_at=r.finished_at, status=r.status, deviated=r.deviated, figures=r.figures,
                                 journal=r.journal, journal_path=r.journal_path)  # fmt: skip
        self.stdout.write("\n" + runner.table(results))
        for r in results:
            if r.status != "passed":
                detail = {k: v for k, v in r.figures.items() if v and k not in {"timeout_seconds"}}
                self.stdout.write(f"{r.experiment}: {r.status} {detail}")
        if any(r.status != "passed" for r in results):
            raise CommandError("chaos: not every experiment held its steady state (see the table above).")
