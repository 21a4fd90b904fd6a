"""Enumerating a transition table against real rows: the helper every ``test_states.py`` uses."""

from __future__ import annotations

from collections.abc import Callable

from apps.core.state_machine import StateMachine


def enumerate_table(machine: StateMachine, row_in: Callable[[str], object], move: Callable[[object, str], object]):
    """Try every (state, transition) pair on a fresh row; return the pairs that misbehaved, in words.

    ``row_in(state)`` gives a saved row in ``state``; ``move(row, name)`` calls the model's writer. An
    allowed pair must leave the row in the transition's target; any other must be refused with the
    machine's error and leave the row's state as it was.
    """
    wrong: list[str] = []
    tried = 0
    for state in sorted(machine.states):
        for name, transition in machine.transitions.items():
            tried += 1
            row = row_in(state)
            model = type(row)
            try:
                move(row, name)
            except machine.error as refused:
                if state in transition.sources:
                    wrong.append(f"{state} --{name}--> refused: {refused}")
                elif not str(refused):
                    wrong.append(f"{state} --{name}--> refused without words")
            else:
                if state not in transition.sources:
                    wrong.append(f"{state} --{name}--> allowed, but {state} is not a source")
            stored = model._default_manager.filter(pk=row.pk).values_list(machine.field, flat=True).get()
            expected = transition.target if state in transition.sources else state
            if stored != expected:
                wrong.append(f"{state} --{name}--> row is {stored}, expected {expected}")
    assert tried == len(machine.states) * len(machine.transitions)
    return wrong
