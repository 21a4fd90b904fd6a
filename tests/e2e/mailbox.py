"""An outbox the journeys can read: the served processes write each email to a file in a shared folder.

The server under test is another process, so Django's in-memory ``mail.outbox``
is out of reach; this backend (Django's file backend, with its folder taken
from ``STRONGROOM_E2E_MAIL_DIR``) is selected for the served processes by
``use_file_outbox()``, called when a journey module is imported, that is
before the session's stack starts.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from email import message_from_string
from email.message import Message
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend

MAIL_DIR_ENV = "STRONGROOM_E2E_MAIL_DIR"


class FileOutboxBackend(EmailBackend):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("file_path", os.environ[MAIL_DIR_ENV])
        super().__init__(*args, **kwargs)


def use_file_outbox() -> Path:
    """Select the file outbox for processes started from now on; return its folder."""
    if MAIL_DIR_ENV not in os.environ:
        os.environ[MAIL_DIR_ENV] = tempfile.mkdtemp(prefix="strongroom-e2e-mail-")
    os.environ["EMAIL_BACKEND"] = f"{__name__}.FileOutboxBackend"
    return Path(os.environ[MAIL_DIR_ENV])


def _messages(folder: Path) -> list[Message]:
    found = []
    for path in sorted(folder.glob("*.log")):
        # The file backend separates messages with a line of 79 dashes.
        for chunk in re.split(r"\n-{79}\n", path.read_text()):
            if chunk.strip():
                found.append(message_from_string(chunk.strip()))
    return found


def wait_for_email(to: str, *, timeout: float = 15) -> Message:
    """The newest email to ``to``, waiting for it to arrive."""
    folder = Path(os.environ[MAIL_DIR_ENV])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        matching = [m for m in _messages(folder) if to in (m["To"] or "")]
        if matching:
            return matching[-1]
        time.sleep(0.2)
    raise AssertionError(f"no email to {to} within {timeout:.0f} s in {folder}")


def body_of(message: Message) -> str:
    if message.is_multipart():
        message = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    payload = message.get_payload(decode=True)
    return payload.decode(message.get_content_charset() or "utf-8") if isinstance(payload, bytes) else str(payload)
