"""Public sign-up, mounted at /signup/ (config/urls.py)."""

from django.urls import path

from apps.onboarding import signup_views

app_name = "signup"
urlpatterns = [path("", signup_views.signup, name="signup")]
