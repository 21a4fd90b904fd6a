"""manage.py generate_slo_rules: render the SLOs and alerts in apps/observability/slos.py as Prometheus rules."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings

from apps.devtools.management.generated import GeneratedFilesCommand
from apps.observability import slos

RULE_FILES = {
    "slo.rules.yml": slos.slo_rule_groups,
    "alerts.rules.yml": slos.alert_rule_groups,
}


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line PromQL; no aliases."""

    def ignore_aliases(self, data) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render(groups: list[dict]) -> str:
    body = yaml.dump({"groups": groups}, Dumper=_Dumper, sort_keys=False, width=1000, allow_unicode=True)
    return slos.GENERATED_HEADER + body


def default_output_dir() -> Path:
    return Path(settings.BASE_DIR) / "deploy" / "prometheus" / "rules"


class Command(GeneratedFilesCommand):
    help = "Write deploy/prometheus/rules/slo.rules.yml and alerts.rules.yml from apps/observability/slos.py."
    command_name = "generate_slo_rules"
    what = "rule files"
    default_dir_help = "deploy/prometheus/rules"

    def default_output_dir(self) -> Path:
        return default_output_dir()

    def files(self) -> dict[str, str]:
        return {name: render(build()) for name, build in RULE_FILES.items()}
