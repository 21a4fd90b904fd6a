"""Beat tasks of the permissions app: thin, each calls one service."""

from __future__ import annotations

from celery import shared_task

from apps.permissions.services.elevation import expire_elevations as expire_elevations_service
from apps.permissions.services.reviews import open_access_review as open_access_review_service


@shared_task(name="maintenance.expire_elevations")
def expire_elevations() -> int:
    return expire_elevations_service()


@shared_task(name="maintenance.open_access_review")
def open_access_review() -> str:
    review = open_access_review_service()
    return review.period if review else ""
