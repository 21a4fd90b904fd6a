"""Ledger pages for one business. The middleware has entered the tenant and checked membership.

Views parse and authorise, then call one selector or service. Another
business's entry ids and account codes are simply not found here (404).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.core.pagination import page_links, page_size
from apps.ledger import selectors, services
from apps.ledger.default_rules import DEFAULT_RULES, DEFAULT_RULES_VERSION
from apps.ledger.errors import LedgerError
from apps.ledger.forms import (
    AccountForm,
    AsOfForm,
    JournalFilterForm,
    PeriodForm,
    RenameAccountForm,
    ReverseEntryForm,
)
from apps.ledger.list_selectors import JournalFilters, journal_match_count, journal_page
from apps.ledger.models import Account, JournalEntry
from apps.ledger.paging import Cursor
from apps.ledger.rules_engine import describe_conditions, describe_default_rule
from apps.ledger.services.periods import correction_notices, frozen_period_on
from apps.ledger.services.posting import reversal_date
from apps.permissions import check
from apps.permissions.decorators import permission_required_for

ENTRIES_PER_PAGE = 25


def _account_or_404(code: str) -> Account:
    account = selectors.account_by_code(code)
    if account is None:
        raise Http404("No such account.")
    return account


def _entry_or_404(entry_id: uuid.UUID) -> JournalEntry:
    entry = selectors.entry_detail(entry_id)
    if entry is None:
        raise Http404("No such journal entry.")
    return entry


@require_GET
@permission_required_for("tenancy.view_business")
def trial_balance(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    form = AsOfForm(request.GET or None)
    as_of, status = None, 200
    if form.is_bound:
        if form.is_valid():
            as_of = form.cleaned_data["as_of"]
        else:
            status = 400
    report = selectors.trial_balance(as_of=as_of)
    return render(request, "ledger/trial_balance.html", {"form": form, "report": report}, status=status)


@require_GET
@permission_required_for("tenancy.view_business")
def journal(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """Keyset pages of the journal (decision 0035), filtered by date, kind, account and line amount."""
    form = JournalFilterForm(request.GET)
    if not form.is_valid():
        context = {"filter_form": form, "entries": [], "filtered": True}
        return render(request, "ledger/journal.html", context, status=400)
    data = form.cleaned_data
    filters = JournalFilters(date_from=data["date_from"], date_to=data["date_to"], kind=data["kind"],
                             account_code=data["account"], amount_min=data["amount_min"],
                             amount_max=data["amount_max"], text=data["q"], reference=data["reference"])  # fmt: skip
    size = page_size(request.GET.get("size"), default=ENTRIES_PER_PAGE)
    page = journal_page(filters, cursor=request.GET.get("cursor") or None, size=size)
    filtered = filters.any
    matches = journal_match_count(filters) if filtered else None  # exact to 1,000, then "more than" (issue #13)
    context = {"filter_form": form, "entries": page.items, "filtered": filtered, "matches": matches,
               **page_links(request, page)}  # fmt: skip
    return render(request, "ledger/journal.html", context)


def _entry_page(request: HttpRequest, entry: JournalEntry, *, form=None, status: int = 200) -> HttpResponse:
    lines = list(entry.lines.all())
    context = {
        "entry": entry,
        "lines": lines,
        "total_debit": sum(line.debit for line in lines),
        "total_credit": sum(line.credit for line in lines),
        "reversed_by": next(iter(entry.reversals.all()), None),
        "can_reverse": check(request.user, "ledger.reverse_entry", request.tenant),
        "reverse_form": form or ReverseEntryForm(),
        "reversal_on": reversal_date(entry),
        "reversal_frozen": frozen_period_on(entry.date),
    }
    return render(request, "ledger/entry.html", context, status=status)


@require_GET
@permission_required_for("tenancy.view_business")
def entry(request: HttpRequest, tenant_slug: str, entry_id: uuid.UUID) -> HttpResponse:
    return _entry_page(request, _entry_or_404(entry_id))


@require_POST
@permission_required_for("ledger.reverse_entry")
def reverse(request: HttpRequest, tenant_slug: str, entry_id: uuid.UUID) -> HttpResponse:
    original = _entry_or_404(entry_id)
    form = ReverseEntryForm(request.POST)
    if not form.is_valid():
        return _entry_page(request, original, form=form, status=400)
    try:
        reversal = services.reverse_entry(entry=original, actor=request.user, reason=form.cleaned_data["reason"])
    except LedgerError as exc:
        messages.error(request, str(exc))
        return _entry_page(request, original, form=form, status=400)
    messages.success(
        request, f"Journal {original.number} reversed by journal {reversal.number}, dated {reversal.date:%d %b %Y}."
    )
    for notice in correction_notices(reversal.date):
        messages.warning(request, notice)
    return redirect("ledger:entry", tenant_slug=tenant_slug, entry_id=reversal.pk)


@require_GET
@permission_required_for("tenancy.view_business")
def account(request: HttpRequest, tenant_slug: str, code: str) -> HttpResponse:
    acct = _account_or_404(code)
    form = PeriodForm(request.GET or None)
    date_from = date_to = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        else:
            status = 400
    after = None
    if request.GET.get("after"):
        try:
            after = Cursor.decode(request.GET["after"])
        except ValueError:
            raise BadRequest("That page of the ledger does not exist: start again from the first page.") from None
    ledger = selectors.account_ledger(acct, date_from, date_to, after=after)
    return render(request, "ledger/account.html", {"ledger": ledger, "form": form}, status=status)


def _chart_page(request: HttpRequest, *, status: int = 200, add_form: AccountForm | None = None) -> HttpResponse:
    return render(
        request,
        "ledger/chart.html",
        {
            "accounts": selectors.chart_of_accounts(),
            "can_manage": check(request.user, "ledger.manage_accounts", request.tenant),
            "add_form": add_form or AccountForm(),
        },
        status=status,
    )


def _refused(request: HttpRequest, error: Exception) -> HttpResponse:
    messages.error(request, str(error))
    return _chart_page(request, status=400)


@require_GET
@permission_required_for("tenancy.view_business")
def chart(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    return _chart_page(request)


@require_POST
@permission_required_for("ledger.manage_accounts")
def add_account(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    form = AccountForm(request.POST)
    if not form.is_valid():
        return _chart_page(request, status=400, add_form=form)
    try:
        created = services.create_account(actor=request.user, **form.cleaned_data)
    except LedgerError as exc:
        messages.error(request, str(exc))
        return _chart_page(request, status=400, add_form=form)
    messages.success(request, f"Account {created.code} {created.name} added.")
    return redirect("ledger:chart", tenant_slug=tenant_slug)


@require_POST
@permission_required_for("ledger.manage_accounts")
def rename_account(request: HttpRequest, tenant_slug: str, code: str) -> HttpResponse:
    acct = _account_or_404(code)
    form = RenameAccountForm(request.POST)
    if not form.is_valid():
        return _refused(request, LedgerError("Give the account a name of up to 100 characters."))
    try:
        services.rename_account(account=acct, name=form.cleaned_data["name"], actor=request.user)
    except LedgerError as exc:
        return _refused(request, exc)
    messages.success(request, f"Account {acct.code} renamed to {form.cleaned_data['name']}.")
    return redirect("ledger:chart", tenant_slug=tenant_slug)


@require_POST
@permission_required_for("ledger.manage_accounts")
def deactivate_account(request: HttpRequest, tenant_slug: str, code: str) -> HttpResponse:
    acct = _account_or_404(code)
    try:
        services.deactivate_account(account=acct, actor=request.user)
    except LedgerError as exc:
        return _refused(request, exc)
    messages.success(request, f"Account {acct.code} {acct.name} deactivated: nothing new can be posted to it.")
    return redirect("ledger:chart", tenant_slug=tenant_slug)


@require_POST
@permission_required_for("ledger.manage_accounts")
def reactivate_account(request: HttpRequest, tenant_slug: str, code: str) -> HttpResponse:
    acct = _account_or_404(code)
    services.reactivate_account(account=acct, actor=request.user)
    messages.success(request, f"Account {acct.code} {acct.name} is active again.")
    return redirect("ledger:chart", tenant_slug=tenant_slug)


@require_GET
@permission_required_for("tenancy.view_business")
def rules(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    accounts = {a.code: a for a in selectors.chart_of_accounts()}
    tenant_rules = [
        (rule, describe_conditions(rule), accounts.get(rule.account_code)) for rule in selectors.tenant_rules()
    ]
    defaults = [(rule, describe_default_rule(rule), accounts.get(rule.account_code)) for rule in DEFAULT_RULES]
    return render(
        request,
        "ledger/rules.html",
        {"tenant_rules": tenant_rules, "default_rules": defaults, "defaults_version": DEFAULT_RULES_VERSION},
    )
