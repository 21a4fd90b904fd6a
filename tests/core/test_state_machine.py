"""The state-machine helper: the guarded move, lost races, side effects after commit, and no hand-written states.

Exercised on a real model (``Document``), since the guard is an SQL ``UPDATE``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import transaction

from apps.core.errors import Conflict
from apps.core.state_machine import InvalidTransition, StateMachine, Transition
from apps.documents.models import Document, DocumentState
from apps.documents.states import DOCUMENT_STATES, move_document
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db

APPS = Path(__file__).resolve().parents[2] / "apps"
STATE_COLUMNS = {"state", "status", "kyc_status"}
HELPER = APPS / "core" / "state_machine.py"


def test_a_lost_race_is_a_conflict_and_changes_nothing(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        document = DocumentFactory(tenant=tenant_a, state=DocumentState.FAILED)
        mine = Document.objects.get(pk=document.pk)
        theirs = Document.objects.get(pk=document.pk)
        move_document(theirs, "archive", changes={"set_aside_reason": "blank scan"})
        with pytest.raises(InvalidTransition) as refused:
            move_document(mine, "reject", changes={"set_aside_reason": "not ours"})  # read as failed: stale
        assert isinstance(refused.value, Conflict) and refused.value.status == 409
        assert refused.value.code == "document_invalid_transition"
        assert "archived" in refused.value.message and "cannot be rejected" in refused.value.message
        document.refresh_from_db()
        assert document.state == DocumentState.ARCHIVED and document.set_aside_reason == "blank scan"


def test_the_changes_are_written_only_with_the_move(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        document = DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED)
        with pytest.raises(InvalidTransition):
            move_document(document, "archive", changes={"set_aside_reason": "should not stick"})
        document.refresh_from_db()
        assert document.state == DocumentState.POSTED and document.set_aside_reason == ""


def test_side_effects_run_after_commit_and_never_for_a_refused_or_rolled_back_move(
    tenant_a, in_tenant, django_capture_on_commit_callbacks
):
    ran: list[str] = []
    with in_tenant(tenant_a):
        failed = DocumentFactory(tenant=tenant_a, state=DocumentState.FAILED)
        posted = DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED)
        rolled_back = DocumentFactory(tenant=tenant_a, state=DocumentState.FAILED)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            move_document(failed, "archive", on_commit=lambda: ran.append("archived"))
            assert ran == []  # not before the commit
            with pytest.raises(InvalidTransition):
                move_document(posted, "archive", on_commit=lambda: ran.append("refused"))
            with pytest.raises(RuntimeError), transaction.atomic():
                move_document(rolled_back, "archive", on_commit=lambda: ran.append("rolled back"))
                raise RuntimeError("the request failed after the move")
        assert ran == ["archived"] and len(callbacks) == 1
        rolled_back.refresh_from_db()
        assert rolled_back.state == DocumentState.FAILED


def test_refusals_are_in_plain_words():
    machine = StateMachine(
        noun="parcel",
        field="state",
        transitions={
            "ship": Transition(["packed"], "shipped"),
            "pack": Transition(["new"], "packed", "be packed"),
            "lose": Transition(
                ["shipped"], "lost", refusal="Only a shipped {noun} can be lost; this one is {current}."
            ),
        },
        labels={"new": "New", "packed": "Packed", "shipped": "Shipped", "lost": "Lost"},
    )
    assert machine.refusal("ship", "shipped") == "This parcel is already shipped."
    assert machine.refusal("ship", "new") == "This parcel cannot go from new to shipped."
    assert machine.refusal("pack", "shipped") == "This parcel is shipped; it cannot be packed."
    assert machine.refusal("lose", "new") == "Only a shipped parcel can be lost; this one is new."
    assert machine.available("packed") == ["ship"] and machine.states == {"new", "packed", "shipped", "lost"}
    with pytest.raises(ValueError, match="no transition named"):
        machine.allowed("new", "fly")


def test_every_table_names_real_states():
    from apps.documents.states import RUN_STATES
    from apps.filing.states import OBLIGATION_STATES, RETURN_STATES
    from apps.integrations.hmrc.states import CONNECTION_STATES
    from apps.onboarding.states import KYC_STATES, TENANT_STATES
    from apps.outbox.states import ITEM_STATES

    for machine in (DOCUMENT_STATES, RUN_STATES, RETURN_STATES, OBLIGATION_STATES, CONNECTION_STATES, KYC_STATES,
                    TENANT_STATES, ITEM_STATES):  # fmt: skip
        assert machine.states <= set(machine.labels), machine.noun
        assert all(t.sources for t in machine.transitions.values()), machine.noun


def _is_exception_class(node: ast.ClassDef) -> bool:
    names = [getattr(b, "id", getattr(b, "attr", "")) for b in node.bases]
    return any(n.endswith(("Error", "Exception")) for n in names)


def _hand_written_states(path: Path) -> list[str]:
    """Assignments to a state column, ``update(state=…)`` and ``setattr(x, "state", …)`` in one module.

    ``self.status`` inside an exception class is an HTTP status, not a row's state.
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    where = path.relative_to(APPS.parent) if path.is_relative_to(APPS.parent) else path.name
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and _is_exception_class(node):
            allowed |= {id(n) for n in ast.walk(node)}
    found: list[str] = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and part.attr in STATE_COLUMNS and id(part) not in allowed:
                    found.append(f"{where}:{node.lineno}: assigns .{part.attr}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            for keyword in node.keywords:
                if keyword.arg in STATE_COLUMNS:
                    found.append(f"{where}:{node.lineno}: update({keyword.arg}=…)")
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "setattr" and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, ast.Constant) and name.value in STATE_COLUMNS:
                found.append(f"{where}:{node.lineno}: setattr(…, {name.value!r})")
    return found


def test_no_state_is_written_by_hand_outside_the_writers():
    found = [
        line
        for path in sorted(APPS.rglob("*.py"))
        if "migrations" not in path.parts and path != HELPER
        for line in _hand_written_states(path)
    ]
    assert found == [], "use the model's writer (apps/*/states.py) instead:\n" + "\n".join(found)


def test_the_scan_sees_what_it_forbids(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "class Oops(Exception):\n    def __init__(self):\n        self.status = 400\n\n"
        "def f(doc, qs):\n    doc.state = 'x'\n    qs.update(status='y')\n    setattr(doc, 'kyc_status', 'z')\n"
    )
    found = _hand_written_states(sample)
    assert [line.split(": ", 1)[1] for line in found] == [
        "assigns .state",
        "update(status=…)",
        "setattr(…, 'kyc_status')",
    ]
