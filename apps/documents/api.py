"""``/api/v1/documents/``: upload a document, list them, read one's state."""

from __future__ import annotations

import logging
import uuid

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from apps.core import rate_limit
from apps.core.errors import ApplicationError
from apps.core.pagination import MAX_PAGE_SIZE, page_size
from apps.documents.errors import DuplicateUpload, NoFileChosen
from apps.documents.forms import DocumentFilterForm
from apps.documents.models import Document, DocumentState
from apps.documents.selectors import DocumentFilters, document_page
from apps.documents.services.upload import receive_upload
from apps.portal.api import TenantAPIView

log = logging.getLogger(__name__)


class DocumentSerializer(serializers.ModelSerializer):
    supplier = serializers.SerializerMethodField()
    gross = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "original_filename", "content_type", "size", "pages", "sha256", "state", "state_changed_at",
                  "failure_reason", "review_reasons", "uploaded_at", "duplicate_of", "journal_entry_id", "supplier",
                  "gross"]  # fmt: skip
        read_only_fields = fields

    def get_supplier(self, document: Document) -> str | None:
        return ((document.extraction or {}).get("supplier_name") or {}).get("value")

    def get_gross(self, document: Document) -> str | None:
        return ((document.extraction or {}).get("gross") or {}).get("value")


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, PNG, JPEG or TIFF; the type is judged by the bytes.")


class ErrorSerializer(serializers.Serializer):
    """Every refusal (``apps.core.api.exception_handler``); ``detail`` repeats ``message`` for older clients."""

    message = serializers.CharField()
    code = serializers.CharField()
    extra = serializers.DictField()
    detail = serializers.CharField()


class UploadThrottle(UserRateThrottle):
    """The per-token upload rate: an atomic counter in Redis (``apps.core.rate_limit``; decision 0035).

    Exactly the rate's number of uploads pass per window, however many arrive at once
    (DRF's own history check let concurrent requests through: 126 of a limit of 120).
    Open while the cache (Redis) is unreachable (issue #17: it answered 500): an upload
    is still bounded by its size and file-count limits, and PostgreSQL and the outbox
    can take the work, so the check fails open, logged and counted as such.
    """

    scope = "uploads"

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        try:
            result = rate_limit.hit(ident, limit=self.num_requests, window_seconds=self.duration)
        except Exception:  # redis-py's ConnectionError/TimeoutError, whatever the cache backend raises
            log.warning("upload throttle: cache unavailable, request allowed", exc_info=True)
            return True
        self._retry_after = result.retry_after
        return result.allowed

    def wait(self) -> float | None:
        return getattr(self, "_retry_after", None)


# What the serializer reads: everything but the page text and the classification (never selected for a list).
API_COLUMNS = ("tenant", "original_filename", "content_type", "size", "pages", "sha256", "state",
               "state_changed_at", "failure_reason", "review_reasons", "uploaded_at", "duplicate_of",
               "journal_entry_id", "extraction")  # fmt: skip
# The first page is as long as the one unpaginated answer was, so existing clients see the same rows.
API_PAGE_SIZE = 200
LIST_PARAMETERS = [
    OpenApiParameter("cursor", str, description="Opaque: the `X-Next-Cursor` of the page before. A cursor that "
                     "was altered or is from another list is refused (400, code `invalid_cursor`)."),
    OpenApiParameter("size", int, description=f"Rows per page, 1 to {MAX_PAGE_SIZE} (default {API_PAGE_SIZE})."),
    OpenApiParameter("state", str, enum=DocumentState.values, description="Only documents in this state."),
    OpenApiParameter("q", str, description="Whole words of the supplier's name, the document number or the "
                     "supplier's VAT number (searched by blind index; no prefixes)."),
    OpenApiParameter("uploaded_from", OpenApiTypes.DATE, description="Uploaded on or after this day."),
    OpenApiParameter("uploaded_to", OpenApiTypes.DATE, description="Uploaded on or before this day."),
]  # fmt: skip


def _list_filters(request) -> DocumentFilters:
    form = DocumentFilterForm(request.query_params, states=DocumentState.choices)
    if not form.is_valid():
        fields = {name: [e["message"] for e in errors] for name, errors in form.errors.get_json_data().items()}
        message = " ".join(m for messages in fields.values() for m in messages)
        raise ApplicationError(message or "Those filters are not valid.", extra={"fields": fields})
    data = form.cleaned_data
    return DocumentFilters(state=data["state"], uploaded_from=data["uploaded_from"],
                           uploaded_to=data["uploaded_to"], query=data["q"])  # fmt: skip


class DocumentListView(TenantAPIView):
    parser_classes = [MultiPartParser]
    required_permissions = {"GET": "tenancy.view_business", "POST": "documents.upload"}

    def get_throttles(self):
        return [UploadThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        operation_id="v1_documents_list",
        parameters=LIST_PARAMETERS,
        responses={
            200: OpenApiResponse(
                DocumentSerializer(many=True),
                description='Newest first. More pages: the `Link` header\'s `rel="next"` URL, and its cursor in '
                "`X-Next-Cursor`; both absent on the last page.",
            ),
            400: OpenApiResponse(ErrorSerializer, description="A bad filter, page size or cursor: nothing listed."),
        },
    )
    def get(self, request):
        """A keyset page of the business's documents (decision 0035); the body is the same list as before."""
        filters = _list_filters(request)
        size = page_size(request.query_params.get("size"), default=API_PAGE_SIZE)
        page = document_page(self.tenant.pk, filters, cursor=request.query_params.get("cursor") or None, size=size,
                             columns=API_COLUMNS)  # fmt: skip
        response = Response(DocumentSerializer(page.items, many=True).data)
        if page.next_cursor:
            query = request.query_params.copy()
            query["cursor"] = page.next_cursor
            response["Link"] = f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'
            response["X-Next-Cursor"] = page.next_cursor
        return response

    @extend_schema(
        request=UploadSerializer,
        responses={
            201: DocumentSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Refused: the reason says why; nothing was stored."),
            403: OpenApiResponse(ErrorSerializer, description="Viewers cannot upload."),
            409: OpenApiResponse(
                ErrorSerializer, description="The same bytes were already uploaded: extra.duplicate_of names it."
            ),
        },
    )
    def post(self, request):
        """Refusals are raised and answered by the API's one error mapping (nothing is stored)."""
        files = request.FILES.getlist("file")
        if not files:
            raise NoFileChosen("Send the document as the multipart field 'file'.")
        outcome = receive_upload(tenant=self.tenant, upload=files[0], uploaded_by=request.user,
                                 source=Document.Source.API)  # fmt: skip
        if outcome.duplicate_of is not None:
            original = outcome.duplicate_of
            raise DuplicateUpload(f"Already uploaded as “{original.original_filename}”.",
                                  extra={"duplicate_of": str(original.pk)})  # fmt: skip
        return Response(DocumentSerializer(outcome.document).data, status=status.HTTP_201_CREATED)


class DocumentDetailView(TenantAPIView):
    required_permissions = {"GET": "tenancy.view_business"}

    @extend_schema(responses={200: DocumentSerializer, 404: ErrorSerializer})
    def get(self, request, document_id: uuid.UUID):
        document = Document.objects.filter(pk=document_id).first()
        if document is None:
            raise Http404("No such document.")
        return Response(DocumentSerializer(document).data)
