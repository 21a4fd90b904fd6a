"""Domain errors of privacy requests; each message says what happened and what to do."""

from __future__ import annotations

from apps.core.errors import ApplicationError


class PrivacyError(ApplicationError):
    """A privacy request was refused."""

    status = 409
    code = "privacy_refused"
    default_message = "That privacy request could not be carried out."


class RequestAlreadyOpen(PrivacyError):
    code = "privacy_request_open"
    default_message = "A request of this kind is already open; it is handled within one month."


class RequestNotActionable(PrivacyError):
    code = "privacy_request_not_actionable"
    default_message = "This request is not open (it is finished or in progress)."


class ErasureBlocked(PrivacyError):
    code = "privacy_erasure_blocked"
    default_message = "This erasure cannot go ahead yet."


class ReasonRequired(PrivacyError):
    status = 400
    code = "privacy_reason_required"
    default_message = "Give a reason (a ticket or the person's request) before erasing."


class ExportLinkInvalid(PrivacyError):
    status = 404
    code = "privacy_export_link_invalid"
    default_message = "This download link has expired or is not valid. Ask for a new link."


class PrivacyStateError(PrivacyError):
    """A request (or a business) was not in a state that allows the move; someone else moved it first."""

    code = "privacy_state"
    default_message = "This request has moved on; reload the page."
