"""The audit log's filter form, shared by the business's page and the staff console's."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from apps.audit.labels import LABELS
from apps.audit.selectors import EventFilter
from apps.core.widgets import IsoDateInput

PLACEHOLDER = re.compile(r"\{[^}]*\}")


def action_label(action: str) -> str:
    """The action in words with its details elided ("posted journal …"), or the code when it has no label."""
    template = LABELS.get(action)
    if template is None:
        return action
    return PLACEHOLDER.sub("…", template).replace("(…)", "").strip()


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class ActionSelect(forms.Select):
    """The action filter's ``<select>``, built in one pass: it lists every labelled action (about 150), and
    rendering each option through its own widget template cost more than the rest of the page (decision 0037)."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        final = self.build_attrs(self.attrs, attrs)
        chosen = str(value or "")
        selected = mark_safe(" selected")  # a constant: never data
        rows = ((key, selected if str(key) == chosen else "", label) for key, label in self.choices)
        options = format_html_join("", '<option value="{}"{}>{}</option>', rows)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), options)


class AuditFilterForm(forms.Form):
    """Bound to the query string; every field is optional, and the dates are whole days in local time."""

    actor = forms.CharField(label="Who", required=False, max_length=254, help_text="Part of an email, or a user id.")
    action = forms.ChoiceField(label="What", required=False, widget=ActionSelect)
    target = forms.CharField(label="Object", required=False, max_length=100, help_text="Its type or id.")
    since = forms.DateField(label="From", required=False, widget=IsoDateInput())
    until = forms.DateField(label="To", required=False, widget=IsoDateInput())

    def __init__(self, *args, actions: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action")] + [(a, f"{action_label(a)} ({a})") for a in actions]

    def clean(self) -> dict:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError("The “From” date is after the “To” date.")
        return cleaned

    def to_filter(self) -> EventFilter:
        """The selector's filter; call after ``is_valid()``. ``until`` includes its whole day."""
        data = self.cleaned_data
        return EventFilter(
            actor=data.get("actor", "").strip(),
            action=data.get("action", ""),
            target=data.get("target", "").strip(),
            since=_day_start(data["since"]) if data.get("since") else None,
            until=_day_start(data["until"] + timedelta(days=1)) if data.get("until") else None,
        )
