"""Search of the journal by the words of its narration, although the narration is sealed (issue #13).

The same way as the documents list (decision 0035): each entry keeps blind-index
tokens (a per-tenant HMAC, label ``ledger.journal.search``) of its description's
words in ``JournalSearchToken`` rows written when the entry is created (entries
are never edited). A query's words become tokens the same way and SQL asks for
entries holding every one: nothing is decrypted to search. Whole words only.
"""

from __future__ import annotations

import uuid

from apps.security_center.crypto.blind_index import blind_index, normalize

SEARCH_LABEL = "ledger.journal.search"
MAX_ENTRY_WORDS = 40  # a narration is at most 255 characters
MAX_QUERY_WORDS = 8


def _words(text: str, limit: int) -> list[str]:
    words = (normalize(part) for part in (text or "").replace(":", " ").replace(",", " ").split())
    return list(dict.fromkeys(w for w in words if w))[:limit]


def entry_tokens(tenant_id: uuid.UUID, description: str) -> set[bytes]:
    """Tokens to store for an entry's narration (needs the tenant's index key)."""
    return {blind_index(tenant_id, w, label=SEARCH_LABEL) for w in _words(description, MAX_ENTRY_WORDS)}


def query_tokens(tenant_id: uuid.UUID, query: str) -> list[bytes]:
    """One token per typed word (every one must match)."""
    return [blind_index(tenant_id, w, label=SEARCH_LABEL) for w in _words(query, MAX_QUERY_WORDS)]
