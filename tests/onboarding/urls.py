"""The project's URLs plus the staff review queue, mounted where the lead mounts it (/staff/onboarding/)."""

from django.urls import include, path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urls

urlpatterns = [path("staff/onboarding/", include("apps.onboarding.staff_urls")), *project_urls]
