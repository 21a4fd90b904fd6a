"""Refusals of the elevated-access and review workflows, in words for the staff member reading them."""

from __future__ import annotations

from apps.core.errors import Conflict, NotAllowed


class ElevationRefused(NotAllowed):
    code = "elevation_refused"
    default_message = "That elevated access cannot be granted."


class ElevationNotPending(Conflict):
    code = "elevation_not_pending"
    default_message = "That request has already been decided."


class ReviewRefused(NotAllowed):
    code = "review_refused"
    default_message = "You cannot review that access."
