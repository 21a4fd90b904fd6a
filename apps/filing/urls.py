"""Mounted at /t/<tenant_slug>/filing/ with the namespace "filing"."""

from django.urls import path

from apps.filing import views

app_name = "filing"
urlpatterns = [
    path("", views.control_tower, name="home"),
    path("sync/", views.sync, name="sync"),
    path("settings/", views.vat_settings, name="settings"),
    path("<str:period_key>/", views.period, name="period"),
    path("<str:period_key>/box/<int:box>/", views.box_lines, name="box"),
    path("<str:period_key>/send-for-approval/", views.send_for_approval, name="send-for-approval"),
    path("<str:period_key>/approve/", views.approve, name="approve"),
    path("<str:period_key>/return-to-draft/", views.return_to_draft, name="return-to-draft"),
    path("<str:period_key>/retry/", views.retry, name="retry"),
    path("<str:period_key>/financials/", views.financials, name="financials"),
]
