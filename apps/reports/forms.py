"""The reports' query-string forms: bad input is answered 400 with the reason, never guessed."""

from __future__ import annotations

from django import forms

from apps.core.widgets import IsoDateInput
from apps.reports.periods import PRESETS

DATE_WIDGET = IsoDateInput()
EXPORTS = ("", "csv", "pdf")


class PeriodForm(forms.Form):
    preset = forms.ChoiceField(label="Period", required=False, choices=[("", "Choose dates"), *PRESETS.items()])
    date_from = forms.DateField(label="From", required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label="To", required=False, widget=DATE_WIDGET)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start, end = data.get("date_from"), data.get("date_to")
        if not data.get("preset") and bool(start) != bool(end):
            raise forms.ValidationError("Give both a start and an end date, or choose a period.")
        if start and end and start > end:
            raise forms.ValidationError("The start date is after the end date.")
        return data


class AsOfForm(forms.Form):
    as_of = forms.DateField(label="As of", required=False, widget=DATE_WIDGET, help_text="Leave empty for today.")
