from django.urls import path

from apps.documents import api

app_name = "documents-api"
urlpatterns = [
    path("", api.DocumentListView.as_view(), name="list"),
    path("<uuid:document_id>/", api.DocumentDetailView.as_view(), name="detail"),
]
