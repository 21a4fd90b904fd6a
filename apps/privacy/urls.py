from django.urls import path

from apps.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.privacy_page, name="page"),
    path("export/me/", views.request_own_export, name="export-me"),
    path("export/business/", views.request_business_export, name="export-business"),
    path("erasure/", views.request_business_erasure, name="erasure"),
    path("link/", views.issue_download_link, name="link"),
    path("download/", views.download, name="download"),
]
