from django.urls import path

from apps.accounts.views import invitations as invitation_views

app_name = "invitations"
urlpatterns = [
    path("<uuid:tenant_id>/<str:token>/", invitation_views.accept_invitation, name="accept"),
]
