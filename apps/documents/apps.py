from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "apps.documents"
    label = "documents"
    verbose_name = "Documents"

    def ready(self) -> None:
        from apps.documents.health import check_document_store
        from apps.documents.services.ledger_files import DocumentFileGate
        from apps.ledger.services.attachments import register_file_gate
        from apps.ledger.signals import entry_reversed
        from apps.observability.health import register_check

        register_file_gate(DocumentFileGate())  # the ledger's journal attachments use our checks and storage
        register_check("document_store", check_document_store)  # readiness fails when uploads cannot be stored
        entry_reversed.connect(_document_entry_reversed, dispatch_uid="documents.entry_reversed")

        # Encryption at rest (issue #15, decision 0024): the stored files are sealed under each tenant's data key;
        # the DEK-rotation sweep and the encryption.files check reach them through this registry.
        from apps.documents.services.file_encryption import DOCUMENT_FILES
        from apps.security_center.crypto.reencryption import register_blob_store

        register_blob_store(DOCUMENT_FILES)

        # Calibrated confidence (decision 0032): the review gate's per-field bars come from our fitted table.
        from apps.documents.extraction.calibration import field_thresholds
        from apps.ledger.services.rules import register_field_thresholds

        register_field_thresholds(field_thresholds)
        # The home page and the portfolio (decision 0042): documents to review and failed ones.
        from apps.documents.home import SOURCE as TODOS
        from apps.portal.todos import register_todo_source

        register_todo_source(TODOS)


def _document_entry_reversed(sender, *, original, reversal, actor, **kwargs) -> None:
    """A document's posting was reversed: the document says "Reversed" and can be posted again."""
    if original.source_document_id is None:
        return
    from apps.documents.services.resolution import mark_reversed

    mark_reversed(document_id=original.source_document_id, entry_id=original.pk, reversal_number=reversal.number,
                  actor=actor)  # fmt: skip
