from __future__ import annotations

from django import forms

from apps.tenancy.models import Role, Tenant


class TenantSettingsForm(forms.ModelForm):
    class Meta:
        model = Tenant
        fields = ["name", "vat_number", "company_number", "data_region"]


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.BOOKKEEPER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class StaffAccessForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need access?",
        min_length=10,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded in the business's audit log, which its owners can read. Quote the ticket number.",
    )
