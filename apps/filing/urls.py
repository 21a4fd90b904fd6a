"""Mounted at /t/<tenant_slug>/filing/ with the namespace "filing"."""

app_name = "filing"
urlpatterns: list = []
