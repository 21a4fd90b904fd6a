"""The held-out document set: an independent generator and its truth (see holdout/README.md)."""
