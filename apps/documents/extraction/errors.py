"""Errors of reading a document, with messages in plain words for the person who uploaded it.

``ReadError`` means the content cannot be read (damaged, password-protected,
no pages, OCR timed out): retrying the same bytes will not help, so the
document is marked failed with the message. ``OcrUnavailable`` means this
server cannot run OCR at all (Tesseract missing or broken): an operations
problem, not the document's fault, so the task may retry and should alert.
"""

from __future__ import annotations


class ReadError(Exception):
    """The document's content cannot be read; ``message`` says why, for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OcrUnavailable(RuntimeError):
    """Tesseract is not installed or does not run on this machine."""


class OcrBudgetSpent(ReadError):
    """One document used up its OCR seconds: it fails with the reason instead of holding a worker."""
