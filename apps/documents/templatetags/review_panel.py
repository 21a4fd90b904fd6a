"""How the review panel shows two of its fields: ``{% load review_panel %}``.

The account list offers only what posting accepts (never a control account:
the bank, debtors, creditors or VAT) and starts on the proposed account, or
on the general expense (sales for a sales invoice) account, rather than on
the first account in the chart, which is the bank. "Remember this for the
supplier" starts unticked: teaching a rule is a choice, not a side effect.
"""

from __future__ import annotations

import copy

from django import template
from django.forms import BoundField

from apps.ledger import chart
from apps.ledger.models import SYSTEM_ACCOUNT_CODES

register = template.Library()


class _Shown(BoundField):
    """The same field of the same form, with its own choices and initial value."""

    def __init__(self, bound: BoundField, *, initial: object, choices: list | None = None) -> None:
        field = copy.deepcopy(bound.field)
        if choices is not None:
            field.choices = choices
        super().__init__(bound.form, field, bound.name)
        self._shown_initial = initial

    @property
    def initial(self) -> object:
        return self._shown_initial


@register.filter
def postable_account(bound: BoundField) -> BoundField:
    """The account field: control accounts left out; a sensible account chosen when none was proposed."""
    choices = [(code, label) for code, label in bound.field.choices if code not in SYSTEM_ACCOUNT_CODES]
    codes = [code for code, _ in choices]
    proposed = bound.initial
    if proposed not in codes:
        kind = bound.form["kind"].value()
        fallback = chart.SALES if kind == "sales_invoice" else chart.GENERAL_EXPENSES
        proposed = fallback if fallback in codes else (codes[0] if codes else "")
    return _Shown(bound, initial=proposed, choices=choices)


@register.filter
def unticked(bound: BoundField) -> BoundField:
    """A checkbox that is ticked only when the person ticked it (kept on a form shown again with errors)."""
    return _Shown(bound, initial=False)
