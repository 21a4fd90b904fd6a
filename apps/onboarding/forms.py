"""Input checks for sign-up and each wizard step; messages say what to type instead."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from stdnum.gb import vat as gb_vat

from apps.core.widgets import IsoDateInput
from apps.filing.domain import QUARTER_END_MONTHS, Stagger, is_period_start
from apps.filing.forms import StandardSchemeField
from apps.onboarding.services.signup import DUPLICATE_EMAIL
from apps.tenancy.models import Role
from apps.tenancy.validators import validate_company_number, validate_gb_vat_number

_UK_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$")
_PHONE = re.compile(r"^\+?[\d ()-]{7,20}$")


class SignupForm(forms.Form):
    full_name = forms.CharField(label="Your full name", max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}))  # fmt: skip
    email = forms.EmailField(label="Email address", max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "username"}))  # fmt: skip
    password = forms.CharField(
        label="Choose a password", strip=False, help_text="At least 12 characters; not a common password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )  # fmt: skip
    business_name = forms.CharField(label="Business name", max_length=200,
                                    help_text="You can give the exact legal name in the next steps.",
                                    widget=forms.TextInput(attrs={"autocomplete": "organization"}))  # fmt: skip

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(DUPLICATE_EMAIL)
        return email

    def clean(self) -> dict:
        data = super().clean()
        password = data.get("password")
        if password:
            probe = get_user_model()(email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                validate_password(password, user=probe)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


def _text(label: str, max_length: int, *, required: bool = True, help_text: str = "", **attrs) -> forms.CharField:
    widget = forms.TextInput(attrs={k.replace("_", "-"): v for k, v in attrs.items()})
    return forms.CharField(label=label, max_length=max_length, required=required, help_text=help_text, widget=widget)


class BusinessDetailsForm(forms.Form):
    legal_name = _text(
        "Legal name",
        200,
        help_text="Exactly as on your certificate of incorporation, e.g. Brightwater Joinery Ltd. "
        "We check it with Companies House.",
    )
    trading_name = _text(
        "Trading name", 200, required=False, help_text="If you trade under another name; it is what Strongroom shows."
    )
    address_line_1 = _text("Address line 1", 200, autocomplete="address-line1")
    address_line_2 = _text("Address line 2", 200, required=False, autocomplete="address-line2")
    town = _text("Town or city", 100, autocomplete="address-level2")
    postcode = _text("Postcode", 10, autocomplete="postal-code")
    phone = _text("Phone number", 20, required=False, autocomplete="tel", type="tel")

    def clean_postcode(self) -> str:
        value = re.sub(r"\s+", "", self.cleaned_data["postcode"]).upper()
        if not _UK_POSTCODE.match(value):
            raise forms.ValidationError("Enter a UK postcode, such as SW1A 1AA.")
        return f"{value[:-3]} {value[-3:]}"

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        if value and not _PHONE.match(value):
            raise forms.ValidationError(
                "Enter a phone number with digits only, such as 020 7946 0000, or leave it empty."
            )
        return value


def normalise_vrn(value: str) -> str:
    """ "GB 123 4567 27", "gb123456727", "123-456-727" → "123456727"."""
    return gb_vat.compact(value or "")


class IdentifiersForm(forms.Form):
    vat_number = _text(
        "VAT registration number", 20, help_text="Nine digits, as on your VAT certificate, e.g. GB 123 4567 27."
    )
    company_number = _text(
        "Company number", 12, help_text="Eight characters from Companies House, e.g. 09876543 or SC123456."
    )

    def clean_vat_number(self) -> str:
        raw = self.cleaned_data["vat_number"]
        value = normalise_vrn(raw)
        if not value.isdigit() or len(value) not in (9, 12):
            raise forms.ValidationError(
                f"{raw.strip()} is not a UK VAT registration number: it has nine digits, e.g. GB 123 4567 27."
            )
        try:
            validate_gb_vat_number(value)
        except forms.ValidationError as exc:
            raise forms.ValidationError(
                f"{raw.strip()} is not a valid UK VAT registration number: the check digits do not match. "
                "Copy it from your VAT certificate.",
                code="invalid_vat_number",
            ) from exc
        return value

    def clean_company_number(self) -> str:
        value = re.sub(r"\s+", "", self.cleaned_data["company_number"]).upper()
        validate_company_number(value)
        return value


class StaffReviewRequestForm(forms.Form):
    note = forms.CharField(label="Anything staff should know?", max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="For example: we changed our name last month.")  # fmt: skip


class VatSchemeForm(forms.Form):
    scheme = StandardSchemeField()
    stagger = forms.ChoiceField(label="VAT periods", choices=Stagger.choices, widget=forms.RadioSelect,
                                help_text="Your VAT certificate or HMRC online account shows when your "
                                          "quarters end.")  # fmt: skip
    first_period_start = forms.DateField(
        label="First VAT period to file with Strongroom starts on", input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=IsoDateInput(),
        help_text="The first day of a VAT period, e.g. 1 April for quarters ending in June.",
    )  # fmt: skip
    four_eyes = forms.BooleanField(label="Require a second person to approve each return before it is sent",
                                   required=False)  # fmt: skip

    def clean(self) -> dict:
        data = super().clean()
        stagger, start = data.get("stagger"), data.get("first_period_start")
        if stagger and start:
            if not is_period_start(stagger, start):
                self.add_error("first_period_start", _period_start_hint(stagger, start))
            elif not date(2017, 4, 1) <= start <= date.today() + timedelta(days=366):
                self.add_error("first_period_start", "Choose a period starting after April 2017 and within a year.")
        return data


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]  # fmt: skip


def _period_start_hint(stagger: str, start: date) -> str:
    if stagger == Stagger.MONTHLY:
        return f"{start.day} {start:%B %Y} is not the first day of a month: monthly periods start on the 1st."
    starts = sorted({(end % 12) + 1 for end in _quarter_ends(stagger)})
    months = ", ".join(f"1 {_MONTHS[m - 1]}" for m in starts)
    label = Stagger(stagger).label
    periods = label[0].lower() + label[1:]
    return f"{start.day} {start:%B %Y} is not the first day of a period for {periods}: they start on {months}."


def _quarter_ends(stagger: str) -> tuple[int, ...]:
    return QUARTER_END_MONTHS[Stagger(stagger)]


class TeamInviteForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(label="Role", choices=[c for c in Role.choices if c[0] != Role.OWNER],
                             initial=Role.BOOKKEEPER,
                             help_text="Accountants and bookkeepers work on the books; viewers only look.")  # fmt: skip
