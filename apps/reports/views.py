"""Report pages for one business: parse the period, call one selector, render the page or its export.

Every report answers ``?export=csv`` and ``?export=pdf`` with the same figures as the page. A viewer may
read them all (``tenancy.view_business``: reports only read; decision 0041).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.filing import selectors as filing_selectors
from apps.filing.domain import FROZEN_STATUSES, ReturnStatus
from apps.ledger.selectors import trial_balance as ledger_trial_balance
from apps.permissions.decorators import permission_required_for
from apps.reports import selectors
from apps.reports.aged import KINDS, aged_report, bucket_for
from apps.reports.exports import tables
from apps.reports.exports.csv_rows import csv_lines
from apps.reports.exports.ledger_zip import ledger_zip
from apps.reports.exports.pdf import render_table, render_vat_return
from apps.reports.forms import EXPORTS, AsOfForm, PeriodForm
from apps.reports.periods import BadPeriod, Period, preset
from apps.reports.statements import balance_sheet_for, profit_and_loss
from apps.reports.vat_detail import detail_rows, vat_detail


def _export_format(request: HttpRequest) -> str:
    value = request.GET.get("export", "")
    if value not in EXPORTS:
        raise BadPeriod("Exports are csv or pdf.")
    return value


def _period(request: HttpRequest) -> tuple[PeriodForm, Period]:
    """The period asked for (this quarter when nothing is); BadPeriod, with the form's reason, when invalid."""
    form = PeriodForm(request.GET or None)
    today = timezone.localdate()
    if not form.is_bound or not any(request.GET.get(k) for k in ("preset", "date_from", "date_to")):
        return PeriodForm(), preset("this-quarter", today=today)
    if not form.is_valid():
        reasons = [str(e) for errors in form.errors.values() for e in errors]
        raise BadPeriod(" ".join(reasons) or "That period is not valid.")
    data = form.cleaned_data
    if data["preset"]:
        vat = selectors.vat_period_on(today) if data["preset"] == "vat-period" else None
        return form, preset(data["preset"], today=today, vat_period=vat)
    return form, Period(data["date_from"], data["date_to"])


def _refused(request: HttpRequest, template: str, error: BadPeriod, form=None) -> HttpResponse:
    context = {"error": str(error), "form": form or PeriodForm(request.GET or None)}
    return render(request, template, context, status=400)


def _download(table: tables.Table, export: str) -> HttpResponse:
    if export == "pdf":
        response = HttpResponse(render_table(table), content_type="application/pdf")
    else:
        response = StreamingHttpResponse(csv_lines(table.header, table.rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table.slug}.{export}"'
    return response


@require_GET
@permission_required_for("tenancy.view_business")
def index(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    return render(request, "reports/index.html", {"periods": selectors.vat_periods()[:8], "kinds": KINDS})


@require_GET
@permission_required_for("tenancy.view_business")
def profit_and_loss_page(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    try:
        export = _export_format(request)
        form, period = _period(request)
        report = profit_and_loss(period)  # its comparison period is checked too
    except BadPeriod as exc:
        return _refused(request, "reports/profit_and_loss.html", exc)
    if export:
        return _download(tables.profit_and_loss_table(report, request.tenant.name), export)
    return render(request, "reports/profit_and_loss.html", {"form": form, "report": report})


@require_GET
@permission_required_for("tenancy.view_business")
def balance_sheet_page(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    try:
        export = _export_format(request)
        form, period = _period(request)
        report = balance_sheet_for(period)
    except BadPeriod as exc:
        return _refused(request, "reports/balance_sheet.html", exc)
    if export:
        return _download(tables.balance_sheet_table(report, request.tenant.name), export)
    return render(request, "reports/balance_sheet.html", {"form": form, "report": report, "period": period})


@require_GET
@permission_required_for("tenancy.view_business")
def trial_balance_page(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    form = AsOfForm(request.GET or None)
    try:
        export = _export_format(request)
    except BadPeriod as exc:
        return _refused(request, "reports/trial_balance.html", exc, AsOfForm())
    if form.is_bound and not form.is_valid():
        return _refused(
            request, "reports/trial_balance.html", BadPeriod("That date is not valid: use YYYY-MM-DD."), form
        )
    as_of = form.cleaned_data.get("as_of") if form.is_bound else None
    report = ledger_trial_balance(as_of=as_of)
    if export:
        return _download(tables.trial_balance_table(report, request.tenant.name), export)
    return render(request, "reports/trial_balance.html", {"form": form, "report": report})


def _as_of(request: HttpRequest, form: AsOfForm):
    if form.is_bound and not form.is_valid():
        raise BadPeriod("That date is not valid: use YYYY-MM-DD.")
    return (form.cleaned_data.get("as_of") if form.is_bound else None) or timezone.localdate()


@require_GET
@permission_required_for("tenancy.view_business")
def aged_page(request: HttpRequest, tenant_slug: str, kind: str) -> HttpResponse:
    if kind not in KINDS:
        raise Http404("No such report.")
    form = AsOfForm(request.GET or None)
    try:
        export = _export_format(request)
        as_of = _as_of(request, form)
    except BadPeriod as exc:
        return _refused(request, "reports/aged.html", exc, form)
    report = aged_report(kind, as_of)
    if export:
        return _download(tables.aged_table(report, request.tenant.name), export)
    return render(request, "reports/aged.html", {"form": form, "report": report, "bucket_for": bucket_for})


def _obligation_or_404(period_key: str):
    obligation = filing_selectors.obligation_by_key(period_key)
    if obligation is None:
        raise Http404("No such VAT period.")
    return obligation


@require_GET
@permission_required_for("tenancy.view_business")
def vat_detail_page(request: HttpRequest, tenant_slug: str, period_key: str) -> HttpResponse:
    obligation = _obligation_or_404(period_key)
    try:
        export = _export_format(request)
    except BadPeriod as exc:
        return _refused(request, "reports/vat_detail.html", exc)
    vat_return = filing_selectors.return_for(obligation)
    settings = filing_selectors.vat_settings_for(request.tenant)
    detail = vat_detail(obligation, vat_return, settings)
    if export == "pdf":
        table = tables.vat_detail_table(detail, detail_rows(obligation, vat_return, settings), request.tenant.name)
        return _download(table, "pdf")
    if export == "csv":
        rows = detail_rows(obligation, vat_return, settings, tenant_id=request.tenant.pk)
        return _download(tables.vat_detail_table(detail, rows, request.tenant.name), "csv")
    context = {"detail": detail, "boxes": detail.boxes(), "vat_return": vat_return}
    return render(request, "reports/vat_detail.html", context)


@require_GET
@permission_required_for("tenancy.view_business")
def vat_return_pdf(request: HttpRequest, tenant_slug: str, period_key: str) -> HttpResponse:
    """The return's boxes and HMRC's receipt; before submission the figures are the current draft's."""
    obligation = _obligation_or_404(period_key)
    vat_return = filing_selectors.return_for(obligation)
    settings = filing_selectors.vat_settings_for(request.tenant)
    if vat_return is not None and vat_return.status in FROZEN_STATUSES:
        boxes, status = vat_return.boxes, vat_return.get_status_display()
    else:
        boxes, status = vat_detail(obligation, vat_return, settings).boxes(), "Draft (not submitted)"
    names = {1: "VAT due on sales", 2: "VAT due on acquisitions (NI)", 3: "Total VAT due", 4: "VAT reclaimed",
             5: "Net VAT to pay or reclaim", 6: "Total sales excluding VAT", 7: "Total purchases excluding VAT",
             8: "Goods supplied to the EU (NI)", 9: "Acquisitions from the EU (NI)"}  # fmt: skip
    rows = [(str(n), names[n], getattr(boxes, f"box{n}")) for n in range(1, 10)]
    if vat_return is not None and vat_return.status == ReturnStatus.SUBMITTED:
        receipt = [(r.label, r.value or r.note) for r in filing_selectors.receipt_rows(vat_return)]
    else:
        receipt = [("Receipt", "Not submitted to HMRC yet: there is no receipt.")]
    period = f"Period {obligation.period_key}: {obligation.start:%d %b %Y} to {obligation.end:%d %b %Y}"
    pdf = render_vat_return(business=request.tenant.name, period=period, boxes=rows, status=status, receipt=receipt)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="vat-return-{obligation.period_key}.pdf"'
    return response


@require_GET
@permission_required_for("tenancy.view_business")
def ledger_export(request: HttpRequest, tenant_slug: str) -> StreamingHttpResponse:
    """Accounts, every journal line and the documents index as one zip, streamed as it is written."""
    response = StreamingHttpResponse(ledger_zip(request.tenant.pk), content_type="application/zip")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="ledger-{request.tenant.slug}-{stamp}.zip"'
    return response
