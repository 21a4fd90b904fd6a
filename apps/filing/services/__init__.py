"""Writes of the filing app: settings, obligations, returns, approval, submission."""
