"""Writes of the sandbox: OAuth grants, returns, faults."""
