"""manage.py generate_dashboards: write the Grafana dashboards of apps/observability/grafana.py as JSON."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.observability.grafana import dashboards


def default_output_dir() -> Path:
    return Path(settings.BASE_DIR) / "deploy" / "grafana" / "dashboards"


class Command(BaseCommand):
    help = "Write deploy/grafana/dashboards/*.json from apps/observability/grafana.py."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output-dir", type=Path, help="Where to write (default: deploy/grafana/dashboards).")
        parser.add_argument("--check", action="store_true", help="Write nothing; exit 1 if a committed file is stale.")

    def handle(self, *args, output_dir: Path | None = None, check: bool = False, **options) -> None:
        out = output_dir or default_output_dir()
        stale = []
        for name, text in dashboards().items():
            path = out / name
            if check:
                if not path.exists() or path.read_text() != text:
                    stale.append(str(path))
                continue
            out.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            self.stdout.write(f"wrote {path}")
        if stale:
            raise CommandError(f"stale dashboards (run manage.py generate_dashboards): {', '.join(stale)}")
        if check:
            self.stdout.write(self.style.SUCCESS("dashboards are up to date"))
