"""Mounted at /t/<tenant_slug>/integrations/ with the namespace "integrations" (HMRC connection, OAuth callback)."""

from django.urls import path

from apps.integrations import views

app_name = "integrations"
urlpatterns = [
    path("hmrc/", views.hmrc_status, name="hmrc"),
    path("hmrc/connect/", views.hmrc_connect, name="hmrc-connect"),
    path("hmrc/callback/", views.hmrc_callback, name="hmrc-callback"),
    path("hmrc/disconnect/", views.hmrc_disconnect, name="hmrc-disconnect"),
]
