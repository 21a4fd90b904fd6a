"""Which step comes next, and which steps may be opened: pure functions over completed steps."""

from __future__ import annotations

from apps.onboarding.models import STEP_ORDER, Step


def step_index(step: str) -> int:
    return STEP_ORDER.index(step)


def first_incomplete(completed: dict | set) -> str:
    """The step to resume at: the first one in order that is not completed (DONE when all are)."""
    for step in STEP_ORDER:
        if step != Step.DONE and step not in completed:
            return step
    return Step.DONE


def can_open(step: str, completed: dict | set) -> bool:
    """A step may be opened once every step before it is completed (so completed ones can be revisited)."""
    return step_index(step) <= step_index(first_incomplete(completed))


def next_step(step: str) -> str:
    index = step_index(step)
    return STEP_ORDER[min(index + 1, len(STEP_ORDER) - 1)]


def previous_step(step: str) -> str | None:
    index = step_index(step)
    return STEP_ORDER[index - 1] if index > 0 else None
