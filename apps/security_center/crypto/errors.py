"""Domain errors of field encryption. Messages never contain key material or plaintext."""

from __future__ import annotations


class CryptoError(Exception):
    """Base class: something about keys or ciphertext is wrong."""


class DecryptionError(CryptoError):
    """A value could not be opened: wrong tenant, wrong row, wrong label, or altered bytes.

    Callers never get the ciphertext back as if it were the value.
    """


class KeyDestroyed(DecryptionError):
    """The tenant's keys were crypto-shredded: its encrypted values are gone for good."""


class KekError(CryptoError):
    """The key-encryption key is unavailable or misconfigured (not a property of the data)."""
