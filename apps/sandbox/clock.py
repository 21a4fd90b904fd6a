"""The sandbox's notion of "now": one function, so tests can move time without a library."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
