from __future__ import annotations

from django import forms
from django.conf import settings

from apps.permissions.models import StaffRole


class ElevationRequestForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A ticket number and the problem. The business's owners read this in their audit log.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["minutes"] = forms.IntegerField(
            min_value=1,
            max_value=settings.ELEVATION_MAX_MINUTES,
            initial=30,
            help_text="How long you need, in minutes. Access ends by itself; you can end it sooner.",
        )


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The incident number and why it cannot wait for an approval. Owners and security are emailed.",
    )


class NoteForm(forms.Form):
    note = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class StaffRoleForm(forms.Form):
    email = forms.EmailField(help_text="The staff account's email address.")
    role = forms.ChoiceField(choices=StaffRole.choices)
    reason = forms.CharField(max_length=300)
