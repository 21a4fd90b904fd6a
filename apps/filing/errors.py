"""Domain errors of VAT filing: each carries a message for people."""

from apps.core.errors import ApplicationError


class FilingError(ApplicationError):
    """A filing action was refused; ``str(error)`` says why in plain English."""

    code = "filing_refused"


class ReturnNotReady(FilingError):
    """Blockers stand between the figures and approval."""

    status = 409
    code = "return_not_ready"


class ApprovalRefused(FilingError):
    """The approval broke a rule (declaration, four-eyes, wrong state)."""

    status = 409
    code = "approval_refused"


class ReturnFrozen(FilingError):
    """The figures were approved or submitted: they cannot change."""

    status = 423
    code = "return_frozen"
