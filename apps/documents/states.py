"""The lifecycles of a document and of a processing attempt, as transition tables, and their writers.

``move_document`` and ``move_run`` are the only code that changes
``Document.state`` and ``TaskRun.state`` (a test reads ``apps/`` to keep it
so). A document's first state (``received``, or ``duplicate``) is set when it
is created.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.utils import timezone

from apps.core.state_machine import InvalidTransition, StateMachine, Transition
from apps.documents.errors import DocumentError
from apps.documents.models import IN_PROGRESS, Document, DocumentState, TaskRun
from apps.security_center.crypto.fields import EncryptedTextField

S = DocumentState
R = TaskRun.State


class DocumentStateError(InvalidTransition, DocumentError):
    """A document move refused by its state (a 409; still a ``DocumentError`` for the pages that catch those)."""

    code = "document_invalid_transition"


# Fields sealed on save (decision 0024): never part of the guarded UPDATE.
ENCRYPTED_FIELDS = frozenset(f.name for f in Document._meta.concrete_fields if isinstance(f, EncryptedTextField))

# Documents whose state a missing file may change: those still being worked on (the pipeline or a reviewer).
LOSABLE = (*IN_PROGRESS, S.NEEDS_REVIEW)

DOCUMENT_TRANSITIONS: dict[str, Transition] = {
    # The pipeline (under its lease).
    "start_reading": Transition(IN_PROGRESS, S.OCR, "be read now"),
    "read": Transition([S.OCR], S.EXTRACTED, "be marked read"),
    "classify": Transition([S.EXTRACTED], S.CLASSIFIED, "be classified"),
    "ask_review": Transition([S.EXTRACTED, S.CLASSIFIED], S.NEEDS_REVIEW, "be sent for review"),
    "post": Transition([S.CLASSIFIED], S.POSTED, "be posted"),
    "fail": Transition(IN_PROGRESS, S.FAILED, "fail while it is not being processed"),
    # The reconciliation found its stored file gone: only work still open fails. A posted, reversed, failed or
    # set-aside document (or a duplicate, which has no file) keeps its state; the report lists it for a person.
    "lose_file": Transition(LOSABLE, S.FAILED, "be failed by the reconciliation for a missing file"),
    # People.
    "retry": Transition(
        [S.FAILED, S.NEEDS_REVIEW],
        S.RECEIVED,
        refusal="Only a failed document or one awaiting review can be run again; this one is {current}.",
    ),
    "approve": Transition([S.NEEDS_REVIEW], S.POSTED, refusal="This {noun} is {current}, not awaiting review."),
    "reject": Transition([S.NEEDS_REVIEW, S.FAILED, S.REVERSED], S.REJECTED, "be rejected"),
    "archive": Transition([S.FAILED], S.ARCHIVED, "be archived"),
    "restore_to_review": Transition([S.REJECTED], S.NEEDS_REVIEW, "be restored"),
    "restore_as_failed": Transition([S.REJECTED, S.ARCHIVED], S.FAILED, "be restored"),
    "reopen": Transition([S.REVERSED], S.NEEDS_REVIEW, "be reclassified"),
    # The ledger reversed its journal entry.
    "reverse": Transition([S.POSTED], S.REVERSED, "be reversed"),
}

DOCUMENT_STATES = StateMachine(
    noun="document",
    field="state",
    transitions=DOCUMENT_TRANSITIONS,
    labels=dict(DocumentState.choices),
    error=DocumentStateError,
)


class RunStateError(InvalidTransition, DocumentError):
    """A processing attempt's move refused by its state."""

    code = "task_run_invalid_transition"


RUN_TRANSITIONS: dict[str, Transition] = {
    "start": Transition([R.QUEUED], R.STARTED, "start"),
    "succeed": Transition([R.STARTED], R.SUCCEEDED, "succeed"),
    "fail": Transition([R.QUEUED, R.STARTED], R.FAILED, "fail"),
    "lose": Transition([R.STARTED], R.LOST, "be interrupted"),
    "skip": Transition([R.QUEUED, R.STARTED], R.SKIPPED, "be skipped"),
}

RUN_STATES = StateMachine(
    noun="processing attempt",
    field="state",
    transitions=RUN_TRANSITIONS,
    labels=dict(TaskRun.State.choices),
    error=RunStateError,
)


def move_document(
    document: Document,
    transition: str,
    *,
    changes: Mapping[str, Any] | None = None,
    update_fields: Iterable[str] | None = (),
    on_commit: Callable[[], Any] | None = None,
) -> Document:
    """The one writer of ``Document.state``: the guarded move, stamped with when it happened.

    Encrypted fields (extraction, text, set_aside_reason) cannot go through the
    guarded ``UPDATE`` (it would store plain values): they are set on the
    document and saved right after it by ``save()``, in the same transaction,
    which seals them and keeps the duplicate index in step.
    """
    stamped = {"state_changed_at": timezone.now(), **(changes or {})}
    sealed = {k: stamped.pop(k) for k in list(stamped) if k in ENCRYPTED_FIELDS}
    if not sealed:
        return DOCUMENT_STATES.move(
            document, transition, changes=stamped, update_fields=update_fields, on_commit=on_commit
        )
    before = {k: document.__dict__.get(k) for k in sealed}
    for key, value in sealed.items():
        setattr(document, key, value)
    fields = None if update_fields is None else [*update_fields, *sealed]
    try:
        return DOCUMENT_STATES.move(document, transition, changes=stamped, update_fields=fields, on_commit=on_commit)
    except BaseException:
        document.__dict__.update(before)  # refused: the instance keeps what the row holds
        raise


def move_run(
    run: TaskRun,
    transition: str,
    *,
    changes: Mapping[str, Any] | None = None,
    update_fields: Iterable[str] | None = (),
) -> TaskRun:
    """The one writer of ``TaskRun.state``."""
    return RUN_STATES.move(run, transition, changes=changes, update_fields=update_fields)
