"""The console's forms (the business-access form belongs to tenancy, which records the grant)."""

from __future__ import annotations

from django import forms


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(label="Note for the owner and the audit log", max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
