"""Domain errors of the documents app; messages are safe to show to people.

Every refused upload is an ``UploadRejected`` subclass, one per limit, raised
by the one upload entry point (``apps.documents.services.upload``) for the
portal, the API and onboarding alike: the same limit gives the same status,
code and message wherever the file came in.
"""

from __future__ import annotations

from apps.core.errors import ApplicationError


class DocumentError(ApplicationError):
    code = "document_refused"


class BulkActionError(DocumentError):
    """A bulk request that is wrong itself (no documents, too many, an unknown action): nothing is done."""

    code = "bulk_action_refused"


class UploadRejected(DocumentError):
    """The upload is not something we accept; nothing was stored. ``reason`` is the message (its older name)."""

    code = "upload_refused"
    default_message = "This file cannot be accepted."

    @property
    def reason(self) -> str:
        return self.message


class NoFileChosen(UploadRejected):
    code = "no_file"
    default_message = "Choose at least one file to upload."


class TooManyFiles(UploadRejected):
    code = "too_many_files"


class FileEmpty(UploadRejected):
    code = "empty"
    default_message = "The file is empty."


class FileTooLarge(UploadRejected):
    code = "too_large"


class UnsupportedType(UploadRejected):
    code = "unsupported_type"


class EncryptedPdf(UploadRejected):
    code = "encrypted_pdf"
    default_message = (
        "This PDF is password-protected. Remove the protection (print it to a new PDF) and upload it again."
    )


class CorruptPdf(UploadRejected):
    code = "corrupt_pdf"
    default_message = "This PDF is damaged or incomplete, so it cannot be read."


class EmptyPdf(UploadRejected):
    code = "empty_pdf"
    default_message = "This PDF has no pages."


class TooManyPages(UploadRejected):
    code = "too_many_pages"


class PageTooLarge(UploadRejected):
    code = "page_too_large"


class OddShape(UploadRejected):
    code = "odd_shape"


class TooManyPixels(UploadRejected):
    code = "too_many_pixels"
    default_message = "This image is too large to process safely."


class CorruptImage(UploadRejected):
    code = "corrupt_image"


class PdfImageTooLarge(UploadRejected):
    """A PDF bomb: one embedded image far larger than any scan."""

    code = "image_too_large"


class CompressionBomb(UploadRejected):
    """A PDF bomb: streams that decompress to far more than a document needs."""

    code = "inflation_bomb"


class DuplicateUpload(DocumentError):
    """The same bytes were already uploaded (the API's answer; the portal shows it as a warning)."""

    status = 409
    code = "duplicate"


class StorageFull(UploadRejected):
    """The document store has no room (ENOSPC or EDQUOT): nothing of this file was kept; it can be sent again."""

    status = 507
    code = "storage_full"
    default_message = (
        "We could not store this file because our document storage is full. Nothing was saved; "
        "try again later. Our team has been alerted."
    )


class StoreUnavailable(UploadRejected):
    """The document store is not the one this database belongs to (not mounted, or restored without its files)."""

    status = 503
    code = "document_store_unavailable"
    default_message = "Document storage is unavailable at the moment. Nothing was saved; try again later."


class StoredFileUnreadable(DocumentError):
    """The stored file does not open: plain where the row says encrypted, altered, another business's, or shredded."""

    status = 500
    code = "document_file_unreadable"
    default_message = "The stored file of this document cannot be read. Our team has been alerted."
