"""Running the backup tools: as the database's OS user, with a timeout, failures as ``BackupError``.

pgBackRest must run as the OS user that owns the cluster (never root: it would leave root-owned
files in the repository and archiving would then fail), and so must ``pg_ctl`` on a restored data
directory. From root that is ``runuser``; from that user itself, nothing; from any other user,
``sudo -n -u`` (deploy/README.md, "Backups", has the sudoers line).
"""

from __future__ import annotations

import getpass
import logging
import os
import subprocess
from collections.abc import Mapping, Sequence

from django.conf import settings

from apps.backups.errors import BackupError

log = logging.getLogger(__name__)

TAIL = 2000  # characters of a failed command's output kept in the error


def as_os_user(argv: Sequence[str], user: str | None = None) -> list[str]:
    """``argv`` prefixed so that it runs as ``user`` (the database's OS user by default)."""
    user = user or settings.PGBACKREST_OS_USER
    if getpass.getuser() == user:
        return list(argv)
    if os.geteuid() == 0:
        return ["runuser", "-u", user, "--", *argv]
    return ["sudo", "-n", "-u", user, "--", *argv]


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 3600,
    what: str = "",
    cwd: str | None = None,
    probe: bool = False,
) -> str:
    """Run ``argv``; return its standard output. A non-zero exit or a timeout is a ``BackupError`` with the tail.

    ``probe``: a question whose "no" is an expected answer (does it exist, is it running): not logged.
    """
    what = what or os.path.basename(argv[0])
    full_env = {**os.environ, **(env or {})}
    try:
        done = subprocess.run(  # noqa: S603 (fixed argument lists built here, never a shell)
            list(argv), env=full_env, capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd
        )
    except FileNotFoundError as exc:
        raise BackupError(f"{what}: {exc.filename} is not installed.") from exc
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{what}: no answer within {timeout:.0f} s.") from exc
    if done.returncode != 0:
        output = (done.stderr or "") + (done.stdout or "")
        if not probe:
            log.warning("backups.command_failed", extra={"what": what, "code": done.returncode})
        raise BackupError(f"{what} failed (exit {done.returncode}): {output.strip()[-TAIL:]}")
    return done.stdout
