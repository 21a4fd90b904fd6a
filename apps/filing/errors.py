"""Domain errors of VAT filing: each carries a message for people."""


class FilingError(Exception):
    """A filing action was refused; ``str(error)`` says why in plain English."""


class ReturnNotReady(FilingError):
    """Blockers stand between the figures and approval."""


class ApprovalRefused(FilingError):
    """The approval broke a rule (declaration, four-eyes, wrong state)."""


class ReturnFrozen(FilingError):
    """The figures were approved or submitted: they cannot change."""
