"""The outbox's errors: a refused move, and the signal a task raises to be run again later."""

from apps.core.state_machine import InvalidTransition


class OutboxStateError(InvalidTransition):
    """An outbox item's move refused by its state (already done, or taken by another process)."""

    code = "outbox_invalid_transition"


class Deferred(Exception):
    """Raised inside an outbox task: put the effect back, due again in ``seconds`` (not a failure)."""

    counts_as_failure = False  # not in the task failure metrics

    def __init__(self, seconds: float, reason: str = "", *, kwargs: dict | None = None) -> None:
        super().__init__(reason or f"deferred {seconds:.0f}s")
        self.seconds = seconds
        self.reason = reason
        self.kwargs = kwargs  # the kwargs for the next run, when they change (a person's "Send now" → automatic)
