"""What the ledger tells the apps above it, without importing them.

``entry_reversed`` is sent inside the reversal's transaction, so a receiver's
writes (the documents app marks the source document "Reversed") commit or
roll back with the reversal itself.
"""

from django.dispatch import Signal

# kwargs: original (JournalEntry), reversal (JournalEntry), actor
entry_reversed = Signal()
