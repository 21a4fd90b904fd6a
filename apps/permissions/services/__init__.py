"""Writes of the permissions app: elevated access, staff roles and access reviews, every one audited."""
