"""Mounted at /staff/filing/ with the namespace "staff-filing"."""

from django.urls import path

from apps.filing import staff_views

app_name = "staff-filing"
urlpatterns = [
    path("", staff_views.control_tower, name="home"),
    path("tenants/<uuid:tenant_id>/", staff_views.tenant_periods, name="tenant"),
]
