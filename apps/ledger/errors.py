"""Domain errors of the ledger. Their messages are written for people: views show them as they are."""


class LedgerError(Exception):
    """A request the ledger refuses; nothing was written."""


class UnbalancedEntryError(LedgerError):
    """Debits and credits differ, or the entry has fewer than two lines."""


class InvalidLineError(LedgerError):
    """A line is not one positive amount on one side, or has more than two decimal places."""


class AccountError(LedgerError):
    """An account is missing, inactive, or may not be changed that way."""


class PostingError(LedgerError):
    """A document cannot be posted: its figures, kind or classification do not allow it."""


class ReversalError(LedgerError):
    """An entry cannot be reversed (already reversed, or itself a reversal)."""


class RuleError(LedgerError):
    """A classification rule cannot be created or learned."""


class AttachmentError(LedgerError):
    """A file attached to a manual journal is refused (its type, size or content)."""
