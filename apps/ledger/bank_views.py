"""The Bank page: import lines from the bank feed, then post, match, ignore, settle or split each one.

Views parse and authorise, then call one service. Another business's line
ids are simply not found here (404). Each row's action answers an htmx
request with that row only (the filters and the scroll position stay); without
JavaScript the form posts and is redirected back to the page with its filters,
which every action URL carries in its query string. A refused action answers
4xx with the reason (the row, or the page) and writes nothing. Decision 0040.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.core.pagination import page_links, page_size
from apps.integrations.errors import IntegrationError
from apps.ledger import bank_selectors, selectors
from apps.ledger.domain import VatTreatment
from apps.ledger.errors import LedgerError
from apps.ledger.forms import DATE_WIDGET
from apps.ledger.list_selectors import BankFilters, bank_page
from apps.ledger.models import BankTransaction, JournalEntry
from apps.ledger.services import bank as bank_services
from apps.ledger.services import bank_import as import_services
from apps.ledger.services import bank_reconcile
from apps.permissions import check
from apps.permissions.decorators import permission_required_for

LINES_PER_PAGE = 50
TREATMENT_CHOICES = [(t.value, t.label) for t in bank_services.POSTABLE_TREATMENTS]
# The query-string keys the page's filters and position live in; every action URL carries them back.
KEPT_KEYS = ("status", "date_from", "date_to", "feed_account", "amount_min", "amount_max", "cursor", "size")


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


def line_or_404(line_id: uuid.UUID) -> BankTransaction:
    line = selectors.bank_line(line_id)
    if line is None:
        raise Http404("No such bank line.")
    return line


def kept_query(query: QueryDict) -> str:
    """The page's filters and position from a query string, re-encoded (nothing else is carried)."""
    kept = [(key, value) for key in KEPT_KEYS for value in query.getlist(key)[:1] if value]
    if not kept and query.get("return_status"):  # forms rendered before the query string carried the filters
        kept = [("status", query["return_status"])]
    return urlencode(kept)


def filters_from(query: QueryDict) -> tuple[BankFilterForm, BankFilters, bool]:
    data = QueryDict(kept_query(query))
    form = BankFilterForm(data or None)
    if not form.is_bound:
        return form, BankFilters(), True
    if not form.is_valid():
        return form, BankFilters(), False
    d = form.cleaned_data
    filters = BankFilters(
        status=d["status"] or "unposted",
        date_from=d["date_from"],
        date_to=d["date_to"],
        feed_account=d["feed_account"],
        amount_min=d["amount_min"],
        amount_max=d["amount_max"],
    )
    return form, filters, True


def row_context(request: HttpRequest, line: BankTransaction, **extra) -> dict:
    """What ``_bank_row.html`` needs for one line (the htmx answer): its suggestions in the page's bounded reads."""
    found, ctx = bank_selectors.suggestions_by_line([line])
    return {
        "line": line,
        "suggestions": found.get(line.pk, []),
        "proposal": bank_selectors.rule_proposal(line, ctx.history, ctx.rules),
        "can_act": check(request.user, "ledger.handle_bank_lines", request.tenant),
        "q": kept_query(request.GET),
        "treatments": TREATMENT_CHOICES,
        "default_treatment": VatTreatment.STANDARD,
        **extra,
    }


def render_bank_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    form, filters, valid = filters_from(request.GET)
    if not valid and status == 200:
        status = 400
    # Keyset pages (decision 0035): a bad cursor or size is a 400 from the error mapping.
    size = page_size(request.GET.get("size"), default=LINES_PER_PAGE)
    page = bank_page(filters, cursor=request.GET.get("cursor") or None, size=size)
    can_act = check(request.user, "ledger.handle_bank_lines", request.tenant)
    lines = page.items
    found, ctx = bank_selectors.suggestions_by_line(lines) if can_act else ({}, None)
    rows = [
        (line, found.get(line.pk, []), bank_selectors.rule_proposal(line, ctx.history, ctx.rules) if ctx else None)
        for line in lines
    ]
    context = {
        "filter_form": form,
        "status_filter": filters.status,
        **page_links(request, page),
        "rows": rows,
        "q": kept_query(request.GET),
        "counts": selectors.bank_line_counts(),
        "can_act": can_act,
        "accounts": list(selectors.postable_accounts()) if can_act else [],
        "has_company_number": bool(request.tenant.company_number),
    }
    return render(request, "ledger/bank.html", context, status=status)


def back(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """Redirect to the page with the filters and position the action came from."""
    url = reverse("ledger:bank", kwargs={"tenant_slug": tenant_slug})
    query = kept_query(request.GET) or kept_query(request.POST)
    return redirect(f"{url}?{query}" if query else url)


def done(request: HttpRequest, tenant_slug: str, line: BankTransaction, message: str) -> HttpResponse:
    """An action succeeded: the row alone for htmx (with the message), else back to the page."""
    if request.htmx:
        line = selectors.bank_line(line.pk)
        return render(request, "ledger/_bank_row.html", row_context(request, line, message=message))
    messages.success(request, message)
    return back(request, tenant_slug)


def refused(
    request: HttpRequest, message: str, *, line: BankTransaction | None = None, status: int = 400
) -> HttpResponse:
    """Nothing was written: the row opened with the reason for htmx, else the page with the reason, 4xx."""
    if request.htmx and line is not None:
        context = row_context(request, selectors.bank_line(line.pk), error=message, expanded=True)
        response = render(request, "ledger/_bank_row.html", context, status=status)
        response["X-Row-Refusal"] = "1"  # static/js/bank.js lets htmx swap this 4xx into the row
        return response
    messages.error(request, message)
    return render_bank_page(request, status=status)


@require_GET
@permission_required_for("tenancy.view_business")
def bank(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    return render_bank_page(request)


@require_GET
@permission_required_for("ledger.handle_bank_lines")
def bank_line(request: HttpRequest, tenant_slug: str, line_id: uuid.UUID) -> HttpResponse:
    """One line's actions, opened: the row for htmx, a page of its own without JavaScript."""
    line = line_or_404(line_id)
    context = row_context(request, line, expanded=not request.GET.get("row"))
    if request.htmx:
        return render(request, "ledger/_bank_row.html", context)
    context["accounts"] = list(selectors.postable_accounts())
    return render(request, "ledger/bank_line.html", context)


@require_POST
@permission_required_for("ledger.handle_bank_lines")
def bank_import(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    try:
        result = import_services.sync_bank_feed(tenant=request.tenant, actor=request.user)
    except IntegrationError as exc:
        # The error's own status: 503 when trying later can help (outage, rate limit), 502 when the bank refused.
        return refused(request, f"Nothing was imported. {exc.message}", status=exc.status)
    except LedgerError as exc:
        return refused(request, str(exc))
    if not result.accounts:
        # Nothing could be imported: a warning to act on (check the bank connection), not a success.
        messages.warning(request, result.summary)
    elif not result.imported:
        messages.info(request, result.summary)
    else:
        messages.success(request, result.summary)
    return back(request, tenant_slug)


@require_POST
@permission_required_for("ledger.handle_bank_lines")
def bank_post(request: HttpRequest, tenant_slug: str, line_id: uuid.UUID) -> HttpResponse:
    line = line_or_404(line_id)
    form = PostLineForm(request.POST)
    if not form.is_valid():
        return refused(request, "Choose an account and a VAT treatment to post the bank line.", line=line)
    try:
        entry = bank_services.post_bank_line(line=line, actor=request.user, **form.cleaned_data)
    except LedgerError as exc:
        return refused(request, str(exc), line=line)
    return done(request, tenant_slug, line, f"Bank line posted as journal {entry.number}.")


@require_POST
@permission_required_for("ledger.handle_bank_lines")
def bank_match(request: HttpRequest, tenant_slug: str, line_id: uuid.UUID) -> HttpResponse:
    line = line_or_404(line_id)
    form = MatchLineForm(request.POST)
    if not form.is_valid():
        return refused(request, "Give the number of the journal entry to match the bank line to.", line=line)
    number = form.cleaned_data["entry_number"]
    entry = JournalEntry.objects.filter(number=number).first()
    if entry is None:
        return refused(request, f"There is no journal {number} in this business.", line=line)
    try:
        bank_services.match_bank_line(line=line, entry=entry, actor=request.user)
    except LedgerError as exc:
        return refused(request, str(exc), line=line)
    return done(request, tenant_slug, line, f"Bank line matched to journal {entry.number}.")


@require_POST
@permission_required_for("ledger.handle_bank_lines")
def bank_ignore(request: HttpRequest, tenant_slug: str, line_id: uuid.UUID) -> HttpResponse:
    line = line_or_404(line_id)
    form = IgnoreLineForm(request.POST)
    if not form.is_valid():
        return refused(request, "Say why the bank line is ignored (up to 200 characters).", line=line)
    try:
        bank_services.ignore_bank_line(line=line, reason=form.cleaned_data["reason"], actor=request.user)
    except LedgerError as exc:
        return refused(request, str(exc), line=line)
    return done(request, tenant_slug, line, "Bank line ignored.")


@require_POST
@permission_required_for("ledger.handle_bank_lines")
def bank_restore(request: HttpRequest, tenant_slug: str, line_id: uuid.UUID) -> HttpResponse:
    line = line_or_404(line_id)
    try:
        bank_services.restore_bank_line(line=line, actor=request.user)
    except LedgerError as exc:
        return refused(request, str(exc), line=line)
    return done(request, tenant_slug, line, "Bank line restored: it needs posting again.")


@require_POST
@permission_required_for("ledger.handle_bank_lines")
def bank_accept(request: HttpRequest, tenant_slug: str, line_id: uuid.UUID) -> HttpResponse:
    """Accept a suggestion: the button's value is "kind:ref" (a bill, invoice, journal, rule or past account)."""
    line = line_or_404(line_id)
    kind, _, ref = (request.POST.get("s") or "").partition(":")
    if not kind or not ref:
        return refused(request, "Choose a suggestion to accept.", line=line)
    try:
        outcome = bank_reconcile.accept_suggestion(line=line, kind=kind, ref=ref, actor=request.user)
    except LedgerError as exc:
        return refused(request, str(exc), line=line)
    return done(request, tenant_slug, line, outcome)


@require_POST
@permission_required_for("ledger.handle_bank_lines")
def bank_undo(request: HttpRequest, tenant_slug: str, line_id: uuid.UUID) -> HttpResponse:
    line = line_or_404(line_id)
    try:
        bank_reconcile.undo_bank_line(line=line, actor=request.user)
    except LedgerError as exc:
        return refused(request, str(exc), line=line, status=409)
    return done(request, tenant_slug, line, "Undone: the posting was reversed and the line needs handling again.")
