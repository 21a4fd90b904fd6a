from django.urls import path

from apps.backups import views

app_name = "backups"
urlpatterns = [
    path("", views.data_and_backups, name="data"),
]
