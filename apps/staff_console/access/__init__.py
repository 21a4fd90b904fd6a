"""Elevated access, access reviews and staff roles: the console pages over apps.permissions."""
