"""``/api/v1/documents/``: upload a document, list them, read one's state."""

from __future__ import annotations

import uuid

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from apps.documents.models import Document
from apps.documents.services.upload import upload_document
from apps.documents.validation import UploadRejected
from apps.tenancy.api import TenantAPIView


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
    code = serializers.CharField()
    detail = serializers.CharField()


class UploadThrottle(UserRateThrottle):
    scope = "uploads"


class DocumentListView(TenantAPIView):
    parser_classes = [MultiPartParser]
    required_permissions = {"GET": "tenancy.view_business", "POST": "documents.upload"}

    def get_throttles(self):
        return [UploadThrottle()] if self.request.method == "POST" else []

    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request):
        documents = Document.objects.select_related("duplicate_of").order_by("-uploaded_at")[:200]
        return Response(DocumentSerializer(documents, many=True).data)

    @extend_schema(
        request=UploadSerializer,
        responses={
            201: DocumentSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Refused: the reason says why; nothing was stored."),
            409: OpenApiResponse(ErrorSerializer, description="The same bytes were already uploaded."),
        },
    )
    def post(self, request):
        upload = UploadSerializer(data=request.data)
        if not upload.is_valid():
            return Response({"code": "no_file", "detail": "Send the document as the multipart field 'file'."},
                            status=status.HTTP_400_BAD_REQUEST)  # fmt: skip
        uploaded = upload.validated_data["file"]
        if uploaded.size > settings.DOCUMENT_MAX_BYTES:
            return Response({"code": "too_large", "detail": f"The file is {uploaded.size // 1_000_000} MB; the "
                             f"limit is {settings.DOCUMENT_MAX_BYTES // 1_000_000} MB."}, status=400)  # fmt: skip
        try:
            outcome = upload_document(tenant=self.tenant, content=uploaded.read(), filename=uploaded.name,
                                      uploaded_by=request.user, source=Document.Source.API)  # fmt: skip
        except UploadRejected as exc:
            return Response({"code": exc.code, "detail": exc.reason}, status=status.HTTP_400_BAD_REQUEST)
        if outcome.duplicate_of is not None:
            original = outcome.duplicate_of
            return Response(
                {"code": "duplicate", "detail": f"Already uploaded as “{original.original_filename}”.",
                 "duplicate_of": str(original.pk)},
                status=status.HTTP_409_CONFLICT,
            )  # fmt: skip
        return Response(DocumentSerializer(outcome.document).data, status=status.HTTP_201_CREATED)


class DocumentDetailView(TenantAPIView):
    required_permissions = {"GET": "tenancy.view_business"}

    @extend_schema(responses={200: DocumentSerializer, 404: ErrorSerializer})
    def get(self, request, document_id: uuid.UUID):
        document = Document.objects.filter(pk=document_id).first()
        if document is None:
            return Response({"code": "not_found", "detail": "No such document."}, status=404)
        return Response(DocumentSerializer(document).data)
