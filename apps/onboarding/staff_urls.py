"""Staff review queue; the lead mounts it at /staff/onboarding/ (namespace "onboarding-staff")."""

from django.urls import path

from apps.onboarding import staff_views

app_name = "onboarding-staff"
urlpatterns = [
    path("reviews/", staff_views.review_queue, name="reviews"),
    path("reviews/<uuid:tenant_id>/decide/", staff_views.decide_review, name="review-decide"),
]
