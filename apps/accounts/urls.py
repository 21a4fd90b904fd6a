from django.urls import path

from apps.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.placeholder, name="login"),
    path("logout/", views.placeholder, name="logout"),
    path("2fa/setup/", views.placeholder, name="2fa-setup"),
]
