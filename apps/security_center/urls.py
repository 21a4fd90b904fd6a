from django.urls import path

from apps.security_center import views

app_name = "security"
urlpatterns = [
    path("", views.security_center, name="center"),
    path("evidence/<str:check_id>/", views.evidence, name="evidence"),
]
