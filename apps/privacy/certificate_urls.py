from django.urls import path

from apps.privacy import views

app_name = "privacy-certificates"
urlpatterns = [
    path("<uuid:request_id>/", views.certificate_download, name="download"),
]
