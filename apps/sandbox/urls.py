"""Mounted at /sandbox/ only when SANDBOX_ENABLED is on (see config/urls.py)."""

app_name = "sandbox"
urlpatterns: list = []
