from __future__ import annotations

from django import forms

from apps.sandbox.models import Fault


class FaultForm(forms.Form):
    service = forms.ChoiceField(choices=Fault.Service.choices)
    outage = forms.BooleanField(required=False, label="Outage (503)")
    rate_limited = forms.BooleanField(required=False, label="Rate limited (429)")
    latency_ms = forms.IntegerField(min_value=0, max_value=120_000, initial=0, label="Added latency (ms)")
    error_rate = forms.FloatField(min_value=0.0, max_value=1.0, initial=0.0, label="Error rate (0–1, random 500s)")
