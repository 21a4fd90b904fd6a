"""Portal pages for documents. The tenant middleware has entered the tenant and checked membership."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import ApplicationError
from apps.core.pagination import page_links, page_size
from apps.documents.actions import action as document_action
from apps.documents.actions import available_actions
from apps.documents.errors import DocumentError, UploadRejected
from apps.documents.forms import KIND_CHOICES, REJECT_REASONS, DocumentFilterForm, RejectForm, ReviewForm
from apps.documents.models import Document, DocumentState
from apps.documents.preview import PreviewUnavailable, preview_unavailable_svg, render_page_png
from apps.documents.selectors import (
    LIST_PAGE_SIZE,
    DocumentFilters,
    document_list,
    document_page,
    document_runs,
    issue_date_of,
    match_count,
    needs_review_count,
    possible_duplicates,
    undated_documents,
)
from apps.documents.services.actions import retry_document
from apps.documents.services.bulk import BULK_ACTIONS, BULK_LIMIT, BulkActionError, bulk_act
from apps.documents.services.resolution import archive_document, reopen_for_review, restore_document
from apps.documents.services.review import Correction, approve_document, next_for_review, reject_document
from apps.documents.services.storage import read_document_file
from apps.documents.services.upload import receive_uploads
from apps.ledger.domain import VatTreatment
from apps.ledger.selectors import chart_of_accounts, entry_for_document
from apps.ledger.services.periods import correction_notices
from apps.ledger.services.rules import confidence_threshold
from apps.permissions import check
from apps.permissions.decorators import permission_required_for


def _document(request: HttpRequest, document_id: uuid.UUID) -> Document:
    document = Document.objects.filter(pk=document_id).select_related("duplicate_of", "uploaded_by").first()
    if document is None:
        raise Http404("No such document.")
    return document


def _blocking_range(value: str) -> tuple[date, date] | None:
    """``2025-01-01..2025-03-31`` (the period a VAT return blocker links to), or None if malformed."""
    start, _, end = value.partition("..")
    try:
        found = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        return None
    return found if found[0] <= found[1] else None


def _filters(request: HttpRequest) -> tuple[DocumentFilterForm, DocumentFilters | None]:
    form = DocumentFilterForm(request.GET, states=DocumentState.choices)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, DocumentFilters(state=data["state"], uploaded_from=data["uploaded_from"],
                                 uploaded_to=data["uploaded_to"], query=data["q"], supplier=data["supplier"],
                                 number=data["number"], amount=data["amount"])  # fmt: skip


def _list_context(request: HttpRequest) -> dict:
    blocking = _blocking_range(request.GET.get("blocking", ""))
    undated = request.GET.get("undated") == "1"
    form, filters = _filters(request)
    links = {"next_url": "", "first_url": ""}
    matches = None
    if undated:
        documents = undated_documents()
    elif blocking is not None:
        documents = document_list(blocking=blocking)
    elif filters is None:
        documents = []  # the form's errors say why (answered 400)
    else:
        page = document_page(request.tenant.pk, filters, cursor=request.GET.get("cursor") or None,
                             size=page_size(request.GET.get("size"), default=LIST_PAGE_SIZE))  # fmt: skip
        documents = page.items
        links = page_links(request, page)
        if filters.any:
            matches = match_count(request.tenant.pk, filters)
    return {
        "documents": documents,
        # Only what the page shows: counting every state read all of a tenant's documents (240 ms at 200k).
        "counts": {"needs_review": needs_review_count()},
        "filter_form": form,
        "state_filter": filters.state if filters else "",
        "filtered": bool(filters and filters.any),
        "matches": matches,  # (count up to 1,000, more than that?) when filtered
        "can_bulk": check(request.user, "documents.review", request.tenant),
        "bulk_actions": BULK_ACTIONS,
        **links,
        "blocking": blocking,
        "undated": undated,
        "states": DocumentState.choices,
        "polling": any(d.in_progress for d in documents),
        "can_upload": check(request.user, "documents.upload", request.tenant),
        "max_mb": settings.DOCUMENT_MAX_BYTES // 1_000_000,
        "max_pages": settings.DOCUMENT_MAX_PAGES,
    }


@require_GET
@permission_required_for("tenancy.view_business")
def document_index(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    template = "documents/_table.html" if request.htmx else "documents/list.html"
    context = _list_context(request)
    return render(request, template, context, status=400 if context["filter_form"].errors else 200)


@require_POST
@permission_required_for("documents.upload")
def upload(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    try:
        batch = receive_uploads(tenant=request.tenant, uploads=request.FILES.getlist("files"), uploaded_by=request.user)
    except UploadRejected as exc:  # no file, or too many: the list page again with the reason
        messages.error(request, exc.message)
        return render(request, "documents/list.html", _list_context(request), status=exc.status)
    for message in batch.refusal_messages():
        messages.error(request, message)
    for outcome in batch.duplicates:
        original = outcome.duplicate_of
        messages.warning(
            request,
            f"{outcome.document.original_filename}: already uploaded as “{original.original_filename}” on "
            f"{original.uploaded_at:%d %b %Y}.",
        )
    if accepted := len(batch.accepted):
        messages.success(request, f"{accepted} document{'s' if accepted != 1 else ''} received and queued for reading.")
    if batch.stored:
        # Duplicates are recorded (and shown in the list), so they are an answer, not an error.
        return redirect("documents:list", tenant_slug=tenant_slug)
    # Every file was refused: nothing was stored; the reasons are in the messages.
    return render(request, "documents/list.html", _list_context(request), status=batch.status)


def _detail_page(request: HttpRequest, document: Document, *, status: int = 200, **extra) -> HttpResponse:
    can_act = check(request.user, "documents.review", request.tenant)
    context = {"document": document, "runs": document_runs(document), "can_act": can_act,
               "actions": available_actions(document), **extra}  # fmt: skip
    return render(request, "documents/detail.html", context, status=status)


@require_GET
@permission_required_for("tenancy.view_business")
def document_detail(request: HttpRequest, tenant_slug: str, document_id: uuid.UUID) -> HttpResponse:
    return _detail_page(request, _document(request, document_id))


def _set_aside_action(
    request: HttpRequest, tenant_slug: str, document_id: uuid.UUID, action, *, then: str = "documents:detail"
) -> HttpResponse:
    """Archive, restore or reopen (the views require ``documents.review``); refusals answered 400 on the page."""
    document = _document(request, document_id)
    try:
        message = action(document)
    except DocumentError as exc:
        messages.error(request, str(exc))
        document.refresh_from_db()
        return _detail_page(request, document, status=400, archive_error=str(exc))
    messages.success(request, message)
    return redirect(then, tenant_slug=tenant_slug, document_id=document.pk)


def _selected_ids(request: HttpRequest) -> list[uuid.UUID]:
    values = request.POST.getlist("documents")
    if len(values) > BULK_LIMIT:
        raise BulkActionError(f"Select at most {BULK_LIMIT} documents at a time.")
    try:
        return [uuid.UUID(value) for value in values]
    except ValueError as exc:
        raise BulkActionError("The selection is not a list of documents.") from exc


def _back_to_list(request: HttpRequest, tenant_slug: str) -> str:
    """Where the list was (with its filters), only ever the documents list itself."""
    base = reverse("documents:list", args=[tenant_slug])
    back = request.POST.get("back", "")
    return back if back.startswith(base + "?") or back == base else base


@require_POST
@permission_required_for("documents.review")
def bulk(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """One action on the documents selected in the list; one summary message (issue #13)."""
    try:
        outcome = bulk_act(tenant=request.tenant, ids=_selected_ids(request), action=request.POST.get("action", ""),
                           actor=request.user, reason=request.POST.get("reason", ""))  # fmt: skip
    except BulkActionError as exc:
        messages.error(request, exc.message)
        return render(request, "documents/list.html", _list_context(request), status=exc.status)
    (messages.warning if outcome.skipped else messages.success)(request, outcome.summary())
    return redirect(_back_to_list(request, tenant_slug))


@require_POST
@permission_required_for("documents.review")
def archive(request: HttpRequest, tenant_slug: str, document_id: uuid.UUID) -> HttpResponse:
    def act(document: Document) -> str:
        archive_document(document=document, reason=request.POST.get("reason", ""), actor=request.user)
        return f"“{document.original_filename}” archived: it no longer blocks a VAT return."

    return _set_aside_action(request, tenant_slug, document_id, act)


@require_POST
@permission_required_for("documents.review")
def restore(request: HttpRequest, tenant_slug: str, document_id: uuid.UUID) -> HttpResponse:
    def act(document: Document) -> str:
        restored = restore_document(document=document, actor=request.user)
        return f"“{document.original_filename}” restored: {restored.get_state_display().lower()}."

    return _set_aside_action(request, tenant_slug, document_id, act)


@require_POST
@permission_required_for("documents.review")
def reopen(request: HttpRequest, tenant_slug: str, document_id: uuid.UUID) -> HttpResponse:
    def act(document: Document) -> str:
        reopen_for_review(document=document, actor=request.user)
        return f"“{document.original_filename}” is back in review: correct it and post it again."

    return _set_aside_action(request, tenant_slug, document_id, act, then="documents:review")


@require_POST
@permission_required_for("documents.review")
def retry(request: HttpRequest, tenant_slug: str, document_id: uuid.UUID) -> HttpResponse:
    document = _document(request, document_id)
    try:
        retry_document(document=document, actor=request.user)
    except DocumentError as exc:
        messages.error(request, str(exc))
        return _detail_page(request, document, status=400)
    messages.success(request, "Queued to be read again.")
    return redirect("documents:detail", tenant_slug=tenant_slug, document_id=document.pk)


@require_GET
@permission_required_for("tenancy.view_business")
def original_file(request: HttpRequest, tenant_slug: str, document_id: uuid.UUID) -> HttpResponse:
    document = _document(request, document_id)
    source = document.duplicate_of or document
    try:
        content = read_document_file(source)
    except FileNotFoundError as exc:
        raise Http404("The stored file is missing.") from exc
    response = HttpResponse(content, content_type=document.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=document.original_filename
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@permission_required_for("tenancy.view_business")
def page_image(request: HttpRequest, tenant_slug: str, document_id: uuid.UUID, page: int) -> HttpResponse:
    """One page as a PNG for the review panel: PDFs rendered, images converted and scaled down.

    A file that passed the upload checks can still fail to render (a damaged
    stream deep inside a PDF): the answer is then a 422 "preview unavailable"
    picture with the reason, which the review panel's ``<img>`` shows in place
    of the page, never a server error.
    """
    document = _document(request, document_id)
    source = document.duplicate_of or document
    if not 1 <= page <= source.pages:
        raise Http404("No such page.")
    try:
        content = read_document_file(source)
    except FileNotFoundError as exc:
        raise Http404("The stored file is missing.") from exc
    try:
        png = render_page_png(content, source.content_type, page)
    except PreviewUnavailable as exc:
        response = HttpResponse(preview_unavailable_svg(page, str(exc)), content_type="image/svg+xml", status=422)
        response["Cache-Control"] = "private, no-store"
        return response
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


# --- the review panel ------------------------------------------------------------------------------


def _review_initial(document: Document) -> dict:
    data = document.extraction or {}
    value = lambda name: (data.get(name) or {}).get("value")  # noqa: E731
    proposal = document.classification or {}
    return {
        "kind": value("kind") if value("kind") in {k for k, _ in KIND_CHOICES} else "purchase_invoice",
        "supplier_name": value("supplier_name") or "",
        "supplier_vat_number": value("supplier_vat_number") or "",
        "document_number": value("document_number") or "",
        "issue_date": value("issue_date"),
        "received_on": document.received_date,
        "net": value("net"),
        "vat": value("vat"),
        "gross": value("gross"),
        "account_code": proposal.get("account_code") or "",
        "vat_treatment": proposal.get("vat_treatment") or "standard",
        "learn": False,
    }


def _review_form(document: Document, data=None) -> ReviewForm:
    accounts = [a for a in chart_of_accounts() if a.is_active]
    return ReviewForm(data, initial=_review_initial(document), accounts=accounts, treatments=VatTreatment.choices)


def _review_page(request, document: Document, form: ReviewForm, *, status: int = 200, reject_form=None):
    data = document.extraction or {}
    threshold = confidence_threshold()
    confidences = {name: (data.get(name) or {}).get("confidence") for name in _review_initial(document)}
    low = {name for name, c in confidences.items() if c is not None and c < threshold}
    # The keyboard starts where the reader was least sure (or at the first error).
    first = next((n for n in form.fields if n in form.errors), None) or next((n for n in form.fields if n in low), None)
    form.fields[first or "supplier_name"].widget.attrs["autofocus"] = True
    return render(
        request,
        "documents/review.html",
        {
            "document": document,
            "form": form,
            "reject_form": reject_form or RejectForm(),
            "confidences": confidences,
            "low": low,
            "warnings": [*_date_warning(document), *(data.get("warnings") or []), *(document.review_reasons or [])],
            "reject_reasons": REJECT_REASONS,
            "possible_duplicates": possible_duplicates(document),
            "queue_length": Document.objects.filter(state=DocumentState.NEEDS_REVIEW).count(),
            "pages": range(1, (document.duplicate_of or document).pages + 1),
            "can_act": check(request.user, "documents.review", request.tenant),
        },
        status=status,
    )


def _correction_notices(document: Document) -> list[str]:
    """HMRC's error-correction limits for the return that takes this posting (a repost into a filed period)."""
    entry = entry_for_document(document.pk)
    return correction_notices(entry.date) if entry is not None else []


def _date_warning(document: Document) -> list[str]:
    if issue_date_of(document) is not None:
        return []
    return ["Add the document's date: it decides which VAT return the document belongs to."]


@require_GET
@permission_required_for("tenancy.view_business")
def review_queue(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    document = next_for_review()
    if document is None:
        messages.info(request, "Nothing is waiting for review.")
        return redirect("documents:list", tenant_slug=tenant_slug)
    return redirect("documents:review", tenant_slug=tenant_slug, document_id=document.pk)


@require_http_methods(["GET", "POST"])
@permission_required_for({"GET": "tenancy.view_business", "POST": "documents.review"})
def review(request: HttpRequest, tenant_slug: str, document_id: uuid.UUID) -> HttpResponse:
    document = _document(request, document_id)
    if not document_action(document, "review"):
        return redirect("documents:detail", tenant_slug=tenant_slug, document_id=document.pk)
    if request.method == "GET":
        return _review_page(request, document, _review_form(document))
    if request.POST.get("action") == "reject":
        reject = RejectForm(request.POST)
        if not reject.is_valid():
            return _review_page(request, document, _review_form(document), status=400, reject_form=reject)
        reject_document(document=document, reason=reject.cleaned_data["reason"], actor=request.user)
        messages.success(request, f"“{document.original_filename}” rejected; nothing was posted.")
    else:
        form = _review_form(document, request.POST)
        if not form.is_valid():
            return _review_page(request, document, form, status=400)
        fields = {f: form.cleaned_data[f] for f in Correction.__dataclass_fields__}
        try:
            approve_document(document=document, correction=Correction(**fields),
                             learn=form.cleaned_data["learn"], actor=request.user)  # fmt: skip
        except ApplicationError as exc:  # the refusal on the form, with what was typed kept
            form.add_error(None, exc.message)
            return _review_page(request, document, form, status=400)
        messages.success(request, f"“{document.original_filename}” approved and posted.")
        for notice in _correction_notices(document):
            messages.warning(request, notice)
    following = next_for_review(after=document)
    if following is None:
        messages.info(request, "That was the last document waiting for review.")
        return redirect("documents:list", tenant_slug=tenant_slug)
    return redirect("documents:review", tenant_slug=tenant_slug, document_id=following.pk)
