from __future__ import annotations

from django import forms

from apps.ledger.models import ACCOUNT_TYPE_CHOICES
from apps.tenancy.widgets import IsoDateInput

DATE_WIDGET = IsoDateInput()


class AsOfForm(forms.Form):
    as_of = forms.DateField(label="As of", required=False, widget=DATE_WIDGET, help_text="Leave empty for all time.")


class PeriodForm(forms.Form):
    date_from = forms.DateField(label="From", required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label="To", required=False, widget=DATE_WIDGET)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("The start date is after the end date.")
        return data


class AccountForm(forms.Form):
    code = forms.CharField(label="Code", max_length=6, help_text="Three to six digits, e.g. 465.")
    name = forms.CharField(label="Name", max_length=100)
    type = forms.ChoiceField(label="Type", choices=ACCOUNT_TYPE_CHOICES)


class RenameAccountForm(forms.Form):
    name = forms.CharField(label="New name", max_length=100)


class ReverseEntryForm(forms.Form):
    reason = forms.CharField(
        label="Why reverse this entry?",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded on the reversal and in the audit log.",
    )
