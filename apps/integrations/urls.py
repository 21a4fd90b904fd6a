"""Mounted at /t/<tenant_slug>/integrations/ with the namespace "integrations" (HMRC connection, OAuth callback)."""

app_name = "integrations"
urlpatterns: list = []
