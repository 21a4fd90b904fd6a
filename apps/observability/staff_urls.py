"""Mounted at /staff/slo/ (config/urls.py)."""

from django.urls import path

from apps.observability import staff_views

app_name = "slo"
urlpatterns = [
    path("", staff_views.slo_dashboard, name="dashboard"),
    path("synthetic/run/", staff_views.run_checks, name="run-checks"),
    path("degraded/<slug:dependency>/", staff_views.set_banner, name="set-banner"),
    path("degraded/<slug:dependency>/clear/", staff_views.clear_banner, name="clear-banner"),
]
