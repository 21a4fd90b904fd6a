"""Quarterly access reviews: opened once, every privilege listed, decided by someone else, revocation real."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from apps.permissions.errors import ElevationNotPending, ReviewRefused
from apps.permissions.models import AccessReview, AccessReviewItem, StaffRoleGrant
from apps.permissions.services.reviews import decide_review_item, open_access_review, quarter_of
from apps.permissions.tasks import open_access_review as open_access_review_task
from tests.factories import UserFactory
from tests.factories.permissions import make_staff

pytestmark = pytest.mark.django_db


def test_quarters():
    assert quarter_of(datetime(2026, 1, 1)) == "2026-Q1"
    assert quarter_of(datetime(2026, 3, 31)) == "2026-Q1"
    assert quarter_of(datetime(2026, 12, 5)) == "2026-Q4"


def test_the_review_lists_every_privilege_once_a_quarter_with_someone_else_reviewing():
    officer = make_staff("security_officer")
    admin = make_staff("platform_admin", is_superuser=True)
    make_staff("support", "sre")
    UserFactory()  # an ordinary user holds nothing to review
    review = open_access_review()
    assert review.period == quarter_of(timezone.now())
    kinds = sorted(review.items.values_list("kind", flat=True))
    assert kinds.count("staff_role") == 4 and kinds.count("staff_flag") == 3 and kinds.count("superuser") == 1
    for item in review.items.all():
        assert item.reviewer is not None and item.reviewer_id != item.subject_id
        assert item.reviewer_id in {officer.pk, admin.pk}
    assert open_access_review() is None and open_access_review_task() == ""
    assert AccessReview.objects.count() == 1


def test_revoking_takes_the_privilege_away_and_the_review_closes_when_all_are_decided():
    officer = make_staff("security_officer")
    sre = make_staff("sre")
    review = open_access_review()
    role_item = review.items.get(kind="staff_role", subject=sre)
    decide_review_item(item_id=role_item.pk, reviewer=officer, verified=True, confirm=False, note="Left the team")
    assert not StaffRoleGrant.objects.filter(user=sre).exists()
    with pytest.raises(ElevationNotPending):
        decide_review_item(item_id=role_item.pk, reviewer=officer, verified=True, confirm=True)
    flag_item = review.items.get(kind="staff_flag", subject=sre)
    decide_review_item(item_id=flag_item.pk, reviewer=officer, verified=True, confirm=False)
    sre.refresh_from_db()
    assert not sre.is_staff
    pending = review.items.filter(decision=AccessReviewItem.Decision.PENDING)
    other = make_staff("platform_admin")
    for item in pending:
        decide_review_item(item_id=item.pk, reviewer=other, verified=True, confirm=True)
    review.refresh_from_db()
    assert review.closed_at is not None


def test_nobody_reviews_their_own_access_or_without_2fa_or_an_approving_role():
    officer = make_staff("security_officer")
    review = open_access_review()
    own = review.items.get(kind="staff_role", subject=officer)
    with pytest.raises(ReviewRefused, match="your own"):
        decide_review_item(item_id=own.pk, reviewer=officer, verified=True, confirm=True)
    other_officer = make_staff("security_officer")
    with pytest.raises(ReviewRefused, match="2FA"):
        decide_review_item(item_id=own.pk, reviewer=other_officer, verified=False, confirm=True)
    with pytest.raises(ReviewRefused):
        decide_review_item(item_id=own.pk, reviewer=make_staff("support"), verified=True, confirm=True)
