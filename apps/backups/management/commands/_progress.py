"""A text progress bar for the backup commands (on stderr when the JSON report goes to stdout)."""

from __future__ import annotations

import time
from typing import TextIO

PHASES = ("marker", "archive", "stop", "restore", "documents", "replay", "app_ready", "verify", "cleanup", "done")


class ProgressBar:
    def __init__(self, out: TextIO, phases: tuple[str, ...] = PHASES, width: int = 24) -> None:
        self.out, self.phases, self.width = out, phases, width
        self.began = time.monotonic()

    def __call__(self, phase: str, message: str) -> None:
        step = self.phases.index(phase) + 1 if phase in self.phases else 0
        filled = round(self.width * step / len(self.phases))
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.monotonic() - self.began
        self.out.write(f"[{bar}] {elapsed:7.1f}s {phase}: {message}\n")
        self.out.flush()
