from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms

from apps.core.widgets import IsoDateInput
from apps.ledger.domain import EntryKind, VatTreatment
from apps.ledger.models import ACCOUNT_TYPE_CHOICES

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


def _amount(label: str, *, signed: bool = False) -> forms.DecimalField:
    limit = Decimal("9999999999.99")
    return forms.DecimalField(label=label, required=False, max_digits=12, decimal_places=2, max_value=limit,
                              min_value=-limit if signed else Decimal("0"))  # fmt: skip


class JournalFilterForm(PeriodForm):
    """The journal's filters (GET: the URL keeps them); invalid input is answered 400 with the reason."""

    q = forms.CharField(label="Narration", required=False, max_length=100, strip=True,
                        help_text="Whole words of the description, e.g. a supplier's name.")  # fmt: skip
    reference = forms.CharField(label="Reference", required=False, max_length=60, strip=True,
                                help_text="The journal's number, or an invoice number in its description.")  # fmt: skip
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "Any kind"), *EntryKind.choices])
    account = forms.CharField(label="Account code", required=False, max_length=6)
    amount_min = _amount("Line amount from (£)")
    amount_max = _amount("Line amount to (£)")

    def clean(self):
        data = super().clean()
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError("The smallest amount is larger than the largest.")
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


class ManualJournalForm(forms.Form):
    """The journal's header; its lines are a ``ManualLineFormSet``."""

    entry_date = forms.DateField(label="Date", widget=DATE_WIDGET)
    description = forms.CharField(label="Description", max_length=200)
    reason = forms.CharField(
        label="Why is this journal needed?",
        min_length=3,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the journal and in the audit log.",
    )
    attachment = forms.TypedChoiceField(
        label="Supporting document", required=False, coerce=uuid.UUID, empty_value=None,
        help_text="An uploaded document that backs this journal, if any.",
    )  # fmt: skip
    # Checked (type by content, size, pages, pixels) by the attachments service, not here.
    attachment_file = forms.FileField(
        label="Or attach a file", required=False,
        help_text="A PDF, PNG or JPEG kept with the journal as evidence (a letter, a receipt, a spreadsheet "
        "printed to PDF); Strongroom keeps it as it is and does not read it.",
        widget=forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}),
    )  # fmt: skip

    def __init__(self, *args, documents=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachment"].choices = [("", "None")] + [(str(d.pk), d.original_filename) for d in documents]


class ManualLineForm(forms.Form):
    account_code = forms.ChoiceField(label="Account", required=False)
    debit = forms.DecimalField(label="Debit (£)", required=False, max_digits=12, decimal_places=2, min_value=0)
    credit = forms.DecimalField(label="Credit (£)", required=False, max_digits=12, decimal_places=2, min_value=0)
    vat_treatment = forms.ChoiceField(label="VAT treatment", required=False)
    description = forms.CharField(label="Line note", required=False, max_length=200)

    def __init__(self, *args, accounts=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account_code"].choices = [("", "—")] + [(a.code, f"{a.code} · {a.name}") for a in accounts]
        self.fields["vat_treatment"].choices = [("", "No VAT (balance sheet or VAT account)"), *VatTreatment.choices]

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("account_code") or data.get("debit") or data.get("credit"))

    def clean(self) -> dict:
        data = super().clean()
        if (data.get("debit") or data.get("credit")) and not data.get("account_code"):
            raise forms.ValidationError("Choose the account for this amount.")
        if data.get("account_code") and not (data.get("debit") or data.get("credit")):
            raise forms.ValidationError("Give this line a debit or a credit.")
        return data


ManualLineFormSet = forms.formset_factory(ManualLineForm, extra=4, max_num=20, validate_max=True, absolute_max=20)
