from __future__ import annotations

from django import forms

from apps.core.widgets import IsoDateInput
from apps.ledger.extraction import DocumentKind

KIND_CHOICES = [
    (DocumentKind.PURCHASE_INVOICE.value, "Purchase invoice"),
    (DocumentKind.RECEIPT.value, "Receipt"),
    (DocumentKind.SALES_INVOICE.value, "Sales invoice (we issued it)"),
    (DocumentKind.CREDIT_NOTE.value, "Supplier credit note"),
]


class ReviewForm(forms.Form):
    """The reviewer's figures. Fields are named as in the extraction, so confidences line up."""

    kind = forms.ChoiceField(label="Kind of document", choices=KIND_CHOICES)
    supplier_name = forms.CharField(label="Supplier (issuer)", max_length=200)
    supplier_vat_number = forms.CharField(label="Supplier VAT number", max_length=20, required=False)
    document_number = forms.CharField(label="Invoice or receipt number", max_length=60, required=False)
    issue_date = forms.DateField(label="Date", input_formats=["%Y-%m-%d", "%d/%m/%Y"], widget=IsoDateInput())
    received_on = forms.DateField(
        label="Received on", required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"], widget=IsoDateInput(),
        help_text="Empty: the upload date. Purchase VAT is claimed once the invoice is held.",
    )  # fmt: skip
    net = forms.DecimalField(label="Net (£)", max_digits=12, decimal_places=2, min_value=0)
    vat = forms.DecimalField(label="VAT (£)", max_digits=12, decimal_places=2, min_value=0)
    gross = forms.DecimalField(label="Total (£)", max_digits=12, decimal_places=2, min_value=0)
    account_code = forms.ChoiceField(label="Account")
    vat_treatment = forms.ChoiceField(label="VAT treatment")
    reclaim_vat = forms.BooleanField(
        label="Reclaim the VAT even though the VAT number on the document is not valid or is ours",
        required=False,
        help_text="Only with a valid VAT invoice from the supplier: otherwise the VAT is part of the cost.",
    )
    # Off unless the person chooses: a rule learned by accident posts the supplier's next documents wrongly.
    learn = forms.BooleanField(label="Remember this for the supplier's next documents", required=False)

    def __init__(self, *args, accounts, treatments, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account_code"].choices = [(a.code, f"{a.code} · {a.name}") for a in accounts]
        self.fields["vat_treatment"].choices = treatments

    def clean_supplier_vat_number(self) -> str:
        from stdnum.gb import vat as gb_vat

        value = self.cleaned_data["supplier_vat_number"].strip()
        if value and not gb_vat.is_valid(value):
            raise forms.ValidationError("This is not a valid UK VAT number (check the digits), or leave it empty.")
        return gb_vat.compact(value).removeprefix("GB") if value else ""

    def clean(self) -> dict:
        data = super().clean()
        net, vat, gross = data.get("net"), data.get("vat"), data.get("gross")
        if None not in (net, vat, gross) and net + vat != gross:
            raise forms.ValidationError(f"Net £{net} plus VAT £{vat} is £{net + vat}, not the total £{gross}.")
        return data


REJECT_REASONS = ("Not ours", "Duplicate", "Not a business expense")


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Why is it rejected?", min_length=3, max_length=300,
        widget=forms.TextInput(attrs={"list": "reject-reasons"}),
        help_text="For example: " + ", ".join(r.lower() for r in REJECT_REASONS) + ". It can be restored later.",
    )  # fmt: skip


class DocumentFilterForm(forms.Form):
    """The documents list's filters (GET, so the URL keeps them); an invalid one is answered 400 with the reason."""

    state = forms.ChoiceField(label="State", required=False)
    q = forms.CharField(
        label="Search", required=False, max_length=100, strip=True,
        help_text="Whole words of the supplier's name, the invoice number or the supplier's VAT number.",
    )  # fmt: skip
    supplier = forms.CharField(label="Supplier", required=False, max_length=100, strip=True,
                               help_text="Whole words of the supplier's name.")  # fmt: skip
    number = forms.CharField(label="Invoice or receipt number", required=False, max_length=60, strip=True)
    amount = forms.DecimalField(label="Total (£)", required=False, max_digits=12, decimal_places=2, min_value=0,
                                help_text="The document's total, exactly.")  # fmt: skip
    uploaded_from = forms.DateField(label="Uploaded from", required=False, widget=IsoDateInput())
    uploaded_to = forms.DateField(label="Uploaded to", required=False, widget=IsoDateInput())

    def __init__(self, *args, states, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", "Any state"), *states]

    def clean(self):
        data = super().clean()
        if data.get("uploaded_from") and data.get("uploaded_to") and data["uploaded_from"] > data["uploaded_to"]:
            raise forms.ValidationError("The start date is after the end date.")
        return data
