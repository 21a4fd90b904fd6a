"""Tests of the gates: each gate fails on a deliberate breakage (coverage, golden, journey, screen, queries)."""

from tests.e2e.browser import browser_context_args, browser_type_launch_args  # noqa: F401
