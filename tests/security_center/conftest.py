"""Fixtures of the security center tests."""

from tests.security_center.rotation_helpers import rotation_note  # noqa: F401  (a fixture)
