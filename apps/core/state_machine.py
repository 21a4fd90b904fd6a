"""State machines declared as data, and the one way a row's state changes.

Each model with a lifecycle declares a :class:`StateMachine`: the name of its
state column and a table ``{transition name: Transition(sources, target)}``.
The table is what the code, the tests and a reader all consult: which moves
exist, from where, to where. ``available()`` and ``check()`` read it;
:meth:`StateMachine.move` is the only writer.

Why a guarded ``UPDATE`` and not "read, compare, save": two requests (or a
request and a worker) may both have read the row in its old state. The
``UPDATE … WHERE pk = … AND state IN (sources)`` decides atomically which of
them wins; the loser changes nothing and gets :class:`InvalidTransition`
(a 409 saying what the row is now). The move's plain column changes are
written by the same statement (so a constraint tying the state to another
column holds at every statement); fields that need the model's ``save()``
hooks (encryption, ``auto_now``) are then saved through it in the same
transaction. Side effects are registered with ``transaction.on_commit``:
they never run for a move that rolled back.

Plain code on purpose: no imports from ``apps`` (this is the bottom layer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models, transaction

from apps.core.errors import Conflict

M = TypeVar("M", bound=models.Model)


class InvalidTransition(Conflict):
    """The row is not in a state this move starts from (already done, or a lost race)."""

    code = "invalid_transition"
    default_message = "That cannot be done now: it has changed since the page was loaded."


@dataclass(frozen=True, init=False)
class Transition:
    """One move: allowed from any of ``sources``, ending in ``target``.

    A refusal says "This <noun> is <current>; it cannot <verb>." when ``verb``
    is given ("be archived"), else "already <target>" or "cannot go from …
    to …"; ``refusal`` replaces the sentence where a service has better words
    (placeholders: ``{noun}``, ``{current}``, ``{target}``).
    """

    sources: frozenset[str]
    target: str
    verb: str = ""
    refusal: str = ""

    def __init__(self, sources: Iterable[str], target: str, verb: str = "", refusal: str = "") -> None:
        object.__setattr__(self, "sources", frozenset(str(s) for s in sources))
        object.__setattr__(self, "target", str(target))
        object.__setattr__(self, "verb", verb)
        object.__setattr__(self, "refusal", refusal)


@dataclass(frozen=True)
class StateMachine:
    """A model's lifecycle as data: its state column, the states' words, and the transition table."""

    noun: str
    field: str
    transitions: Mapping[str, Transition]
    labels: Mapping[str, str] = field(default_factory=dict)
    error: type[InvalidTransition] = InvalidTransition

    @property
    def states(self) -> frozenset[str]:
        """Every state the table mentions, plus the labelled ones."""
        found = set(self.labels)
        for t in self.transitions.values():
            found |= t.sources | {t.target}
        return frozenset(found)

    def transition(self, name: str) -> Transition:
        try:
            return self.transitions[name]
        except KeyError:
            raise ValueError(f"{self.noun}: no transition named {name!r}") from None

    def allowed(self, state: str, name: str) -> bool:
        return str(state) in self.transition(name).sources

    def available(self, state: str) -> list[str]:
        """The transitions that may start from ``state``, in table order."""
        return [name for name, t in self.transitions.items() if str(state) in t.sources]

    def label(self, state: str | None) -> str:
        if state is None:
            return "gone"
        return str(self.labels.get(str(state), state)).lower()

    def refusal(self, name: str, current: str | None) -> str:
        """Why ``name`` cannot start from ``current``, in plain words."""
        t = self.transition(name)
        words = {"noun": self.noun, "current": self.label(current), "target": self.label(t.target)}
        if current is None:
            return f"This {self.noun} no longer exists."
        if t.refusal:
            return t.refusal.format(**words)
        if t.verb:
            return f"This {self.noun} is {words['current']}; it cannot {t.verb}."
        if str(current) == t.target:
            return f"This {self.noun} is already {words['current']}."
        return f"This {self.noun} cannot go from {words['current']} to {words['target']}."

    def check(self, obj: models.Model, name: str) -> None:
        """Raise the machine's error unless ``obj``'s current (in-memory) state allows ``name``."""
        current = getattr(obj, self.field)
        if not self.allowed(current, name):
            raise self.error(self.refusal(name, current), extra={"transition": name, "state": str(current)})

    def move(
        self,
        obj: M,
        name: str,
        *,
        changes: Mapping[str, Any] | None = None,
        update_fields: Iterable[str] | None = (),
        on_commit: Callable[[], Any] | Iterable[Callable[[], Any]] | None = None,
    ) -> M:
        """Move ``obj`` by transition ``name`` if its row is in a source state; refuse otherwise.

        ``changes`` (plain column values) are written by the same guarded
        ``UPDATE`` as the state, so a constraint tying the state to another
        column holds at every statement; they are set on ``obj`` too.
        ``update_fields`` names fields the caller already set on ``obj`` that
        must be saved after it through ``save()`` (``None``: save the whole
        row, for fields with save hooks or many changes). ``on_commit``
        callables run only after the transaction commits.
        """
        t = self.transition(name)
        changes = dict(changes or {})
        manager = type(obj)._default_manager
        with transaction.atomic():
            guarded = manager.filter(pk=obj.pk, **{f"{self.field}__in": sorted(t.sources)})
            if not guarded.update(**{self.field: t.target, **changes}):
                current = manager.filter(pk=obj.pk).values_list(self.field, flat=True).first()
                state = None if current is None else str(current)
                raise self.error(self.refusal(name, current), extra={"transition": name, "state": state})
            setattr(obj, self.field, t.target)
            for key, value in changes.items():
                setattr(obj, key, value)
            if update_fields is None:
                obj.save()
            elif fields := [f for f in dict.fromkeys(update_fields) if f != self.field and f not in changes]:
                obj.save(update_fields=fields)
            callbacks = [on_commit] if callable(on_commit) else list(on_commit or [])
            for callback in callbacks:
                transaction.on_commit(callback)
        return obj
