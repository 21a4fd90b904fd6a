"""Domain errors of the ledger. Their messages are written for people: views show them as they are."""

from apps.core.errors import ApplicationError


class LedgerError(ApplicationError):
    """A request the ledger refuses; nothing was written."""

    code = "ledger_refused"


class UnbalancedEntryError(LedgerError):
    """Debits and credits differ, or the entry has fewer than two lines."""

    code = "unbalanced_entry"


class InvalidLineError(LedgerError):
    """A line is not one positive amount on one side, or has more than two decimal places."""

    code = "invalid_line"


class AccountError(LedgerError):
    """An account is missing, inactive, or may not be changed that way."""

    code = "account_refused"


class PostingError(LedgerError):
    """A document cannot be posted: its figures, kind or classification do not allow it."""

    code = "posting_refused"


class ReversalError(LedgerError):
    """An entry cannot be reversed (already reversed, or itself a reversal)."""

    status = 409
    code = "reversal_refused"


class RuleError(LedgerError):
    """A classification rule cannot be created or learned."""

    code = "rule_refused"


class AttachmentError(LedgerError):
    """A file attached to a manual journal is refused (its type, size or content)."""

    code = "attachment_refused"
