"""``@privileged``: a service that must leave an audit event, or not happen at all.

The marked service runs inside its own ``atomic()`` block; one that returns
without recording an event of its prefix raises ``PrivilegedActionNotAudited``
inside that block, so its writes roll back: an unaudited privileged change
never commits. (Do not mark a service that commits in stages on purpose.)
Refusals (the service raising) are not required to audit. The registry lets a
test list every marked service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar

from django.db import transaction

F = TypeVar("F", bound=Callable[..., Any])

REGISTRY: dict[str, str] = {}  # "module.function" -> the audit action prefix it must record
_recorded: ContextVar[list[str] | None] = ContextVar("privileged_recorded", default=None)


class PrivilegedActionNotAudited(RuntimeError):
    """A privileged service finished without writing its audit event: a bug, refused loudly."""


def note_recorded(action: str) -> None:
    """Called by record_event for every event; cheap when no privileged service is running."""
    seen = _recorded.get()
    if seen is not None:
        seen.append(action)


@contextmanager
def _watch() -> Iterator[list[str]]:
    outer = _recorded.get()
    seen: list[str] = []
    token = _recorded.set(seen)
    try:
        yield seen
    finally:
        _recorded.reset(token)
        if outer is not None:
            outer.extend(seen)


def privileged(prefix: str) -> Callable[[F], F]:
    """Mark a service whose success must record at least one audit action starting with ``prefix``."""

    def mark(func: F) -> F:
        name = f"{func.__module__}.{func.__qualname__}"
        REGISTRY[name] = prefix

        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with transaction.atomic(), _watch() as seen:
                result = func(*args, **kwargs)
                if not any(action.startswith(prefix) for action in seen):
                    raise PrivilegedActionNotAudited(f"{name} finished without recording a {prefix}* audit event")
            return result

        wrapper.privileged_prefix = prefix  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return mark
