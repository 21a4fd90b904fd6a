from django.urls import path

from apps.security_center import views

app_name = "security"
urlpatterns = [
    path("", views.security_center, name="center"),
    path("run/", views.run_checks_now, name="run"),  # POST: queue a run of this business's checks (decision 0037)
    path("evidence/<str:check_id>/", views.evidence, name="evidence"),
]
