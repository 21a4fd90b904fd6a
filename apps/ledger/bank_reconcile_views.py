"""The Bank page's reconciliation actions: split a line, bank rules, bulk actions, the statement balance check.

Same shape as ``bank_views``: parse, authorise, call one service; the htmx
answer is the row, the plain-form answer a redirect back with the filters; a
refusal is 4xx with the reason and nothing written. Decision 0040.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from apps.core.pagination import page_size
from apps.ledger import bank_selectors
from apps.ledger.bank_views import (
    LINES_PER_PAGE,
    TREATMENT_CHOICES,
    back,
    done,
    filters_from,
    kept_query,
    line_or_404,
    refused,
)
from apps.ledger.errors import LedgerError
from apps.ledger.forms import DATE_WIDGET
from apps.ledger.list_selectors import bank_page
from apps.ledger.models import BankRule, BankTransaction
from apps.ledger.services import bank_bulk as bulk_services
from apps.ledger.services import bank_reconcile, bank_rules
from apps.permissions.decorators import permission_required_for


def _amount(value: str, what: str) -> Decimal | None:
    text = (value or "").strip().replace(",", "").lstrip("£")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise LedgerError(f"The {what} '{value[:20]}' is not an amount in pounds, e.g. 12.50.") from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e10"):
        raise LedgerError(f"The {what} '{value[:20]}' is not an amount in pounds, e.g. 12.50.")
    return amount


def _split_parts(request: HttpRequest) -> list[bank_reconcile.SplitPart]:
    accounts = request.POST.getlist("part_account")
    amounts = request.POST.getlist("part_amount")
    treatments = request.POST.getlist("part_vat")
    if not (len(accounts) == len(amounts) == len(treatments)):
        raise LedgerError("Each part needs an account, an amount and a VAT treatment.")
    parts = []
    for n, (code, amount, treatment) in enumerate(zip(accounts, amounts, treatments, strict=True), start=1):
        if not code.strip() and not amount.strip():
            continue  # an unused part row
        value = _amount(amount, f"amount of part {n}")
        if value is None or not code.strip():
            raise LedgerError(f"Part {n} needs both an account and an amount.")
        parts.append(bank_reconcile.SplitPart(code.strip(), value, treatment))
    return parts


@require_POST
@permission_required_for("ledger.handle_bank_lines")
def bank_split(request: HttpRequest, tenant_slug: str, line_id: uuid.UUID) -> HttpResponse:
    line = line_or_404(line_id)
    try:
        entry = bank_reconcile.split_bank_line(line=line, parts=_split_parts(request), actor=request.user)
    except LedgerError as exc:
        return refused(request, str(exc), line=line)
    return done(request, tenant_slug, line, f"Bank line split and posted as journal {entry.number}.")


class RuleForm(forms.Form):
    name = forms.CharField(label="Rule name", max_length=100, required=False)
    payee_contains = forms.CharField(label="Payee contains", max_length=100, required=False)
    amount_min = forms.DecimalField(
        label="Amount from (£)", required=False, max_digits=12, decimal_places=2, min_value=Decimal("0")
    )
    amount_max = forms.DecimalField(
        label="Amount to (£)", required=False, max_digits=12, decimal_places=2, min_value=Decimal("0")
    )
    account_code = forms.CharField(label="Account", max_length=6)
    vat_treatment = forms.ChoiceField(label="VAT", choices=TREATMENT_CHOICES)


@require_POST
@permission_required_for("ledger.handle_bank_lines")
def bank_rule_from_line(request: HttpRequest, tenant_slug: str, line_id: uuid.UUID) -> HttpResponse:
    """Create a bank rule from a line (its direction), then post every unposted line it covers, this one too."""
    line = line_or_404(line_id)
    form = RuleForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{form.fields[k].label}: {' '.join(v)}" for k, v in form.errors.items() if k in form.fields)
        return refused(request, f"The rule was not created. {errors or 'Check the fields.'}", line=line)
    direction = BankRule.Direction.IN if line.is_money_in else BankRule.Direction.OUT
    try:
        result = bank_rules.create_bank_rule(direction=direction, actor=request.user, **form.cleaned_data)
    except LedgerError as exc:
        return refused(request, str(exc), line=line)
    return done(
        request,
        tenant_slug,
        line,
        f"Bank rule '{result.rule.name}' created; it posted {result.applied} line(s) and will post new ones on import.",
    )


@require_POST
@permission_required_for("ledger.handle_bank_lines")
def bank_rule_off(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    try:
        rule = BankRule.objects.filter(pk=uuid.UUID(request.POST.get("rule", ""))).first()
    except ValueError:
        rule = None
    if rule is None:
        return refused(request, "That bank rule does not exist in this business.", status=404)
    try:
        bank_rules.deactivate_bank_rule(rule=rule, actor=request.user)
    except LedgerError as exc:
        return refused(request, str(exc), status=409)
    messages.success(request, f"Bank rule '{rule.name}' is off: it posts no new lines.")
    return back(request, tenant_slug)


@require_POST
@permission_required_for("ledger.handle_bank_lines")
def bank_bulk(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """Selected rows: accept each one's best suggestion, or ignore them all with one reason."""
    if request.POST.get("all"):
        # Every line the page shows with its filters and position (the action URL carries them).
        _, filters, valid = filters_from(request.GET)
        if not valid:
            return refused(request, "The page's filters are not valid: correct them first.")
        size = page_size(request.GET.get("size"), default=LINES_PER_PAGE)
        shown = bank_page(filters, cursor=request.GET.get("cursor") or None, size=size).items
        lines = [ln for ln in shown if ln.status == BankTransaction.Status.UNPOSTED]
        if not lines:
            return refused(request, "No line on this page needs handling.")
    else:
        ids = []
        for value in request.POST.getlist("line")[: bulk_services.MAX_BULK_LINES + 1]:
            try:
                ids.append(uuid.UUID(value))
            except ValueError:
                return refused(request, "A selected line is not a bank line of this business.")
        lines = list(BankTransaction.objects.filter(pk__in=ids).order_by("date", "external_id"))
        if len(lines) != len(set(ids)):
            return refused(request, "A selected line is not a bank line of this business.", status=404)
    try:
        result = bulk_services.bulk_handle(
            lines=lines,
            action=request.POST.get("action", ""),
            reason=request.POST.get("reason", ""),
            actor=request.user,
        )
    except LedgerError as exc:
        return refused(request, str(exc))
    (messages.warning if result.refused else messages.success)(request, result.summary)
    return back(request, tenant_slug)


class StatementForm(forms.Form):
    as_of = forms.DateField(label="Statement date", widget=DATE_WIDGET)
    balance = forms.DecimalField(
        label="Statement balance (£)",
        max_digits=14,
        decimal_places=2,
        help_text="As the bank prints it; overdrawn is negative.",
    )
    feed_account = forms.CharField(
        label="Bank account",
        required=False,
        max_length=60,
        help_text="Empty: every account (the ledger holds them all in 090).",
    )


@require_GET
@permission_required_for("tenancy.view_business")
def bank_statement(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """Statement balance against the ledger's bank balance on a date, and the lines still to handle."""
    form = StatementForm(request.GET or None)
    result, status = None, 200
    if form.is_bound:
        if form.is_valid():
            d = form.cleaned_data
            result = bank_selectors.statement_check(
                as_of=d["as_of"], statement_balance=d["balance"], feed_account=d["feed_account"]
            )
        else:
            status = 400
    context = {"form": form, "result": result, "q": kept_query(request.GET)}
    return render(request, "ledger/bank_statement.html", context, status=status)
