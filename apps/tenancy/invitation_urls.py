from django.urls import path

from apps.tenancy import invitation_views

app_name = "invitations"
urlpatterns = [
    path("<uuid:tenant_id>/<str:token>/", invitation_views.accept_invitation, name="accept"),
]
