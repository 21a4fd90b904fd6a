"""The Bank page: import lines from the bank feed, then post, match or ignore each one.

Views parse and authorise, then call one service. Another business's line
ids are simply not found here (404). A refused action re-renders the page
with the reason and a 4xx status; nothing is written.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.core.pagination import page_links, page_size
from apps.integrations.errors import IntegrationError
from apps.ledger import selectors
from apps.ledger.domain import VatTreatment
from apps.ledger.errors import LedgerError
from apps.ledger.forms import DATE_WIDGET
from apps.ledger.list_selectors import BankFilters, bank_page
from apps.ledger.models import BankTransaction, JournalEntry
from apps.ledger.services import bank as bank_services
from apps.permissions import check
from apps.permissions.decorators import permission_required_for

LINES_PER_PAGE = 50
TREATMENT_CHOICES = [(t.value, t.label) for t in bank_services.POSTABLE_TREATMENTS]


class BankFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("unposted", "Not posted"),
            ("posted", "Posted"),
            ("matched", "Matched"),
            ("ignored", "Ignored"),
            ("all", "All"),
        ],
    )
    date_from = forms.DateField(label="From", required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label="To", required=False, widget=DATE_WIDGET)
    feed_account = forms.CharField(label="Bank account", required=False, max_length=60)
    amount_min = forms.DecimalField(label="Amount from (£)", required=False, max_digits=14, decimal_places=2,
                                    help_text="Money out is negative.")  # fmt: skip
    amount_max = forms.DecimalField(label="Amount to (£)", required=False, max_digits=14, decimal_places=2)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("The start date is after the end date.")
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError("The smallest amount is larger than the largest.")
        return data


class PostLineForm(forms.Form):
    account_code = forms.CharField(label="Account", max_length=6)
    vat_treatment = forms.ChoiceField(label="VAT", choices=TREATMENT_CHOICES)


class MatchLineForm(forms.Form):
    entry_number = forms.IntegerField(label="Journal number", min_value=1, max_value=2_147_483_647)


class IgnoreLineForm(forms.Form):
    reason = forms.CharField(label="Why ignore it?", max_length=200)


def _line_or_404(line_id: uuid.UUID) -> BankTransaction:
    line = selectors.bank_line(line_id)
    if line is None:
        raise Http404("No such bank line.")
    return line


def _bank_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    form = BankFilterForm(request.GET or None)
    filters = BankFilters()
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            filters = BankFilters(status=data["status"] or "unposted", date_from=data["date_from"],
                                  date_to=data["date_to"], feed_account=data["feed_account"],
                                  amount_min=data["amount_min"], amount_max=data["amount_max"])  # fmt: skip
        elif status == 200:
            status = 400
    # Keyset pages (decision 0035): a bad cursor or size is a 400 from the error mapping.
    size = page_size(request.GET.get("size"), default=LINES_PER_PAGE)
    page = bank_page(filters, cursor=request.GET.get("cursor") or None, size=size)
    can_act = check(request.user, "ledger.handle_bank_lines", request.tenant)
    lines = page.items
    candidates = selectors.match_candidates([ln for ln in lines if ln.status != "ignored"]) if can_act else {}
    rows = [(line, candidates.get(line.pk, [])) for line in lines]
    context = {
        "filter_form": form,
        "status_filter": filters.status,
        **page_links(request, page),
        "rows": rows,
        "counts": selectors.bank_line_counts(),
        "can_act": can_act,
        "accounts": list(selectors.postable_accounts()) if can_act else [],
        "treatments": TREATMENT_CHOICES,
        "default_treatment": VatTreatment.STANDARD,
        "has_company_number": bool(request.tenant.company_number),
    }
    return render(request, "ledger/bank.html", context, status=status)


def _refused(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    messages.error(request, message)
    return _bank_page(request, status=status)


def _back(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    url = reverse("ledger:bank", kwargs={"tenant_slug": tenant_slug})
    status = request.POST.get("return_status", "")
    if status in selectors.BANK_FILTERS and status != "unposted":
        url += f"?status={status}"
    return redirect(url)


@require_GET
@permission_required_for("tenancy.view_business")
def bank(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    return _bank_page(request)


@require_POST
@permission_required_for("ledger.handle_bank_lines")
def bank_import(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    try:
        result = bank_services.sync_bank_feed(tenant=request.tenant, actor=request.user)
    except IntegrationError as exc:
        # The error's own status: 503 when trying later can help (outage, rate limit), 502 when the bank refused.
        return _refused(request, f"Nothing was imported. {exc.message}", status=exc.status)
    except LedgerError as exc:
        return _refused(request, str(exc))
    if not result.accounts:
        # Nothing could be imported: a warning to act on (check the bank connection), not a success.
        messages.warning(request, result.summary)
    elif not result.imported:
        messages.info(request, result.summary)
    else:
        messages.success(request, result.summary)
    return _back(request, tenant_slug)


@require_POST
@permission_required_for("ledger.handle_bank_lines")
def bank_post(request: HttpRequest, tenant_slug: str, line_id: uuid.UUID) -> HttpResponse:
    line = _line_or_404(line_id)
    form = PostLineForm(request.POST)
    if not form.is_valid():
        return _refused(request, "Choose an account and a VAT treatment to post the bank line.")
    try:
        entry = bank_services.post_bank_line(line=line, actor=request.user, **form.cleaned_data)
    except LedgerError as exc:
        return _refused(request, str(exc))
    messages.success(request, f"Bank line posted as journal {entry.number}.")
    return _back(request, tenant_slug)


@require_POST
@permission_required_for("ledger.handle_bank_lines")
def bank_match(request: HttpRequest, tenant_slug: str, line_id: uuid.UUID) -> HttpResponse:
    line = _line_or_404(line_id)
    form = MatchLineForm(request.POST)
    if not form.is_valid():
        return _refused(request, "Give the number of the journal entry to match the bank line to.")
    number = form.cleaned_data["entry_number"]
    entry = JournalEntry.objects.filter(number=number).first()
    if entry is None:
        return _refused(request, f"There is no journal {number} in this business.")
    try:
        bank_services.match_bank_line(line=line, entry=entry, actor=request.user)
    except LedgerError as exc:
        return _refused(request, str(exc))
    messages.success(request, f"Bank line matched to journal {entry.number}.")
    return _back(request, tenant_slug)


@require_POST
@permission_required_for("ledger.handle_bank_lines")
def bank_ignore(request: HttpRequest, tenant_slug: str, line_id: uuid.UUID) -> HttpResponse:
    line = _line_or_404(line_id)
    form = IgnoreLineForm(request.POST)
    if not form.is_valid():
        return _refused(request, "Say why the bank line is ignored (up to 200 characters).")
    try:
        bank_services.ignore_bank_line(line=line, reason=form.cleaned_data["reason"], actor=request.user)
    except LedgerError as exc:
        return _refused(request, str(exc))
    messages.success(request, "Bank line ignored.")
    return _back(request, tenant_slug)


@require_POST
@permission_required_for("ledger.handle_bank_lines")
def bank_restore(request: HttpRequest, tenant_slug: str, line_id: uuid.UUID) -> HttpResponse:
    line = _line_or_404(line_id)
    try:
        bank_services.restore_bank_line(line=line, actor=request.user)
    except LedgerError as exc:
        return _refused(request, str(exc))
    messages.success(request, "Bank line restored: it needs posting again.")
    return _back(request, tenant_slug)
