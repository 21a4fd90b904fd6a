"""The one user-facing error base.

Services raise subclasses of :class:`ApplicationError`; the edges (pages and the
API) map them to an answer once, by ``status`` and ``code``, instead of each view
catching its own tuple of exceptions. ``message`` is written for the person who
will read it: it says what happened and what to do next.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ApplicationError(Exception):
    """A refusal or failure a person should see, with a machine-readable code and an HTTP status.

    ``code`` is stable per class (clients and tests rely on it); a subclass
    may refine it per instance where an outside service sent its own code.
    ``retry_after`` (seconds), when known, becomes a ``Retry-After`` header.
    """

    status: ClassVar[int] = 400
    code: str = "invalid"
    default_message: ClassVar[str] = "That could not be done."
    retry_after: float | None = None

    def __init__(self, message: str | None = None, *, extra: dict[str, Any] | None = None) -> None:
        self.message = message or self.default_message
        self.extra = dict(extra or {})
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class NotFound(ApplicationError):
    """The thing asked for does not exist, or is not visible to the person asking."""

    status = 404
    code = "not_found"
    default_message = "We could not find that."


class NotAllowed(ApplicationError):
    status = 403
    code = "forbidden"
    default_message = "You do not have permission to do that."


class Conflict(ApplicationError):
    """The request was valid but the object's current state does not allow it (a lost race, a second click)."""

    status = 409
    code = "conflict"
    default_message = "That has changed since the page was loaded. Reload and try again."


class Locked(ApplicationError):
    """The object is locked against change (a filed VAT period)."""

    status = 423
    code = "locked"
    default_message = "This is locked and cannot be changed."


class DependencyUnavailable(ApplicationError):
    """An outside service we depend on is down or refusing; the request may be retried later."""

    status = 503
    code = "unavailable"
    default_message = "A service we depend on is not answering. Try again in a few minutes."


class DatabaseUnavailable(DependencyUnavailable):
    """Our database did not answer (restarting, failing over): nothing was saved, and trying again shortly works."""

    code = "database_unavailable"
    default_message = "We cannot reach our database just now, so nothing was saved. Please try again in a minute."
    retry_after = 30
