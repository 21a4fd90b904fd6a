"""The shared body of the commands that write committed, generated files (rules, dashboards).

Each writes its files, or with ``--check`` writes nothing and fails when a
committed file differs from what it would write (the staleness tests run that).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class GeneratedFilesCommand(BaseCommand):
    command_name = ""  # for the "run manage.py …" hint
    what = ""  # e.g. "rule files", "dashboards"
    default_dir_help = ""

    def default_output_dir(self) -> Path:
        raise NotImplementedError

    def files(self) -> dict[str, str]:
        """File name -> text."""
        raise NotImplementedError

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output-dir", type=Path, help=f"Where to write (default: {self.default_dir_help}).")
        parser.add_argument("--check", action="store_true", help="Write nothing; exit 1 if a committed file is stale.")

    def handle(self, *args, output_dir: Path | None = None, check: bool = False, **options) -> None:
        out = output_dir or self.default_output_dir()
        stale = []
        for name, text in self.files().items():
            path = out / name
            if check:
                if not path.exists() or path.read_text() != text:
                    stale.append(str(path))
                continue
            out.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            self.stdout.write(f"wrote {path}")
        if stale:
            raise CommandError(f"stale {self.what} (run manage.py {self.command_name}): {', '.join(stale)}")
        if check:
            self.stdout.write(self.style.SUCCESS(f"{self.what} are up to date"))
