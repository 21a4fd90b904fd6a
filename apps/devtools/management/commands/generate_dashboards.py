"""manage.py generate_dashboards: write the Grafana dashboards of apps/observability/grafana.py as JSON."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from apps.devtools.management.generated import GeneratedFilesCommand
from apps.observability.grafana import dashboards


class Command(GeneratedFilesCommand):
    help = "Write deploy/grafana/dashboards/*.json from apps/observability/grafana.py."
    command_name = "generate_dashboards"
    what = "dashboards"
    default_dir_help = "deploy/grafana/dashboards"

    def default_output_dir(self) -> Path:
        return default_output_dir()

    def files(self) -> dict[str, str]:
        return dashboards()


def default_output_dir() -> Path:
    return Path(settings.BASE_DIR) / "deploy" / "grafana" / "dashboards"
