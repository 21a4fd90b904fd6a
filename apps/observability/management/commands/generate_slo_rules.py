"""manage.py generate_slo_rules: render the SLOs and alerts in apps/observability/slos.py as Prometheus rules."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

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


class Command(BaseCommand):
    help = "Write deploy/prometheus/rules/slo.rules.yml and alerts.rules.yml from apps/observability/slos.py."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output-dir", type=Path, help="Directory to write to (default: deploy/prometheus/rules).")
        parser.add_argument("--check", action="store_true", help="Write nothing; exit 1 if a committed file is stale.")

    def handle(self, *args, output_dir: Path | None = None, check: bool = False, **options) -> None:
        out = output_dir or default_output_dir()
        stale = []
        for name, build in RULE_FILES.items():
            text = render(build())
            path = out / name
            if check:
                if not path.exists() or path.read_text() != text:
                    stale.append(str(path))
                continue
            out.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            self.stdout.write(f"wrote {path}")
        if stale:
            raise CommandError(f"stale rule files (run manage.py generate_slo_rules): {', '.join(stale)}")
        if check:
            self.stdout.write(self.style.SUCCESS("rule files are up to date"))
