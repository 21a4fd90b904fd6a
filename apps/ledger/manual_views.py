"""The manual journals page: the list, the form that posts one (balanced, reasoned, never in a frozen period),
and the download of a journal's attached file."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from apps.ledger import selectors
from apps.ledger.errors import LedgerError
from apps.ledger.forms import ManualJournalForm, ManualLineFormSet
from apps.ledger.services.attachments import AttachmentUpload, file_gate, read_attachment, too_large_refusal
from apps.ledger.services.journal import LineSpec
from apps.ledger.services.manual import post_manual_journal
from apps.ledger.services.periods import correction_notices
from apps.permissions import check
from apps.permissions.decorators import permission_required_for


def _documents() -> list:
    # The documents app sits above the ledger: its gate lists the documents a journal may point at.
    return file_gate().attachable_documents(limit=100)


def _forms(data=None, files=None) -> tuple[ManualJournalForm, ManualLineFormSet]:
    accounts = [a for a in selectors.chart_of_accounts() if a.is_active]
    form = ManualJournalForm(data, files, documents=_documents())
    lines = ManualLineFormSet(data, prefix="lines", form_kwargs={"accounts": accounts})
    return form, lines


def _page(request: HttpRequest, form, lines, *, status: int = 200, error: str = "") -> HttpResponse:
    context = {
        "form": form,
        "lines": lines,
        "journals": selectors.manual_journals(),
        "can_post": check(request.user, "ledger.post_journal", request.tenant),
        "error": error,
    }
    return render(request, "ledger/manual_journals.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required_for({"GET": "tenancy.view_business", "POST": "ledger.post_journal"})
def manual_journals(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    if request.method == "GET":
        return _page(request, *_forms())
    form, lines = _forms(request.POST, request.FILES)
    if not (form.is_valid() and lines.is_valid()):
        return _page(request, form, lines, status=400, error="Check the journal: some fields need attention.")
    uploaded, attachment = form.cleaned_data.get("attachment_file"), None
    if uploaded:
        refusal = too_large_refusal(uploaded.size)  # before reading a huge file into memory
        if refusal:
            return _page(request, form, lines, status=400, error=refusal)
        attachment = AttachmentUpload(uploaded.name, uploaded.read())
    specs = [
        LineSpec(
            f.cleaned_data["account_code"],
            debit=f.cleaned_data.get("debit") or 0,
            credit=f.cleaned_data.get("credit") or 0,
            description=f.cleaned_data.get("description") or "",
            vat_treatment=f.cleaned_data.get("vat_treatment") or "",
        )
        for f in lines.forms
        if not f.is_blank
    ]
    try:
        entry = post_manual_journal(
            entry_date=form.cleaned_data["entry_date"],
            description=form.cleaned_data["description"],
            reason=form.cleaned_data["reason"],
            lines=specs,
            actor=request.user,
            attachment_document_id=form.cleaned_data["attachment"],
            attachment_file=attachment,
        )
    except LedgerError as exc:
        return _page(request, form, lines, status=400, error=str(exc))
    messages.success(request, f"Journal {entry.number} posted.")
    for notice in correction_notices(entry.date):
        messages.warning(request, notice)
    return redirect("ledger:manual-journals", tenant_slug=tenant_slug)


@require_GET
@permission_required_for("tenancy.view_business")
def journal_attachment(request: HttpRequest, tenant_slug: str, entry_id: uuid.UUID) -> HttpResponse:
    """The file attached to a journal, for any member of the business; another business's is not found (404)."""
    attachment = selectors.entry_attachment(entry_id)
    if attachment is None:
        raise Http404("This journal has no attached file.")
    try:
        content = read_attachment(attachment)
    except FileNotFoundError as exc:
        raise Http404("The stored file is missing.") from exc
    response = HttpResponse(content, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=attachment.original_filename
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
