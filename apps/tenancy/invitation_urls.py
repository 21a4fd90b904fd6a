from django.urls import path

from apps.tenancy import views

app_name = "invitations"
urlpatterns = [
    path("<uuid:tenant_id>/<str:token>/", views.accept_invitation, name="accept"),
]
