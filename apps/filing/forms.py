from __future__ import annotations

from django import forms

from apps.core.widgets import IsoDateInput
from apps.filing.domain import Scheme, Stagger, is_period_start

CASH_NOT_SUPPORTED = "Cash accounting is not supported yet: Strongroom files on invoice dates (standard accounting)."
OTHER_SCHEMES_REFUSED = "Strongroom files returns with standard accounting only. " + CASH_NOT_SUPPORTED


class StandardSchemeField(forms.CharField):
    """The scheme, fixed to standard accounting: the only one whose returns Strongroom can file.

    Why not offer cash accounting: the returns are built from invoice dates,
    so a business that chose it here would only find out at filing time. The
    field is hidden and always renders "standard" (even for a business stored
    with the cash scheme, so saving the page moves it to standard); a posted
    other value is refused with the reason.
    """

    widget = forms.HiddenInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "VAT accounting scheme")
        kwargs.setdefault("help_text", CASH_NOT_SUPPORTED)
        super().__init__(**kwargs)

    def prepare_value(self, value: object) -> str:
        return Scheme.STANDARD

    def clean(self, value: object) -> str:
        if value not in (None, "", Scheme.STANDARD):
            raise forms.ValidationError(OTHER_SCHEMES_REFUSED)
        return Scheme.STANDARD


class VatSettingsForm(forms.Form):
    scheme = StandardSchemeField()
    stagger = forms.ChoiceField(choices=Stagger.choices, label="VAT periods")
    first_period_start = forms.DateField(
        label="First VAT period starts on",
        help_text="The first day of your first return's period, e.g. 2026-01-01.",
        widget=IsoDateInput(),
    )
    four_eyes = forms.BooleanField(
        required=False,
        label="Four-eyes approval",
        help_text="Someone other than the person who prepared a return must approve it.",
    )

    def clean(self):
        data = super().clean()
        start, stagger = data.get("first_period_start"), data.get("stagger")
        if start and stagger and not is_period_start(stagger, start):
            self.add_error(
                "first_period_start",
                f"{start:%d %B %Y} is not the first day of a VAT period for {Stagger(stagger).label.lower()}.",
            )
        return data


class FiguresForm(forms.Form):
    """Carries the fingerprint of the figures on screen, so nobody acts on figures that changed."""

    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=32)


class ApproveForm(FiguresForm):
    declaration = forms.BooleanField(
        label=(
            "When I submit this VAT information I am making a legal declaration that the information is true "
            "and complete. A false declaration can result in prosecution."
        ),
        error_messages={"required": "Tick the declaration to approve and submit the return."},
    )
    fph_browser = forms.CharField(widget=forms.HiddenInput, required=False, max_length=4000)


class ReturnToDraftForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False, label="Why (optional)")
