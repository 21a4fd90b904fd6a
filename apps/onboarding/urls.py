"""Mounted at /t/<tenant_slug>/onboarding/ with the namespace "onboarding"."""

app_name = "onboarding"
urlpatterns: list = []
