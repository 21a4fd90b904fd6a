"""Form widgets shared by every app's forms."""

from __future__ import annotations

from django import forms

ISO_DATE = "%Y-%m-%d"


class IsoDateInput(forms.DateInput):
    """A browser date picker whose value is always ISO (2026-04-01).

    Why the fixed format: ``<input type="date">`` only accepts ISO, but
    Django would otherwise render dates in the locale's first input format
    (en-GB: 01/04/2026), which the browser discards: the field came back
    empty and the form could not be saved a second time.
    """

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)
