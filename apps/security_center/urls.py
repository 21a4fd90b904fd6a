from django.urls import path

from apps.security_center import views

app_name = "staff"
urlpatterns = [
    path("", views.console_home, name="home"),
]
