from django.urls import path

from apps.portal import audit_views, views

app_name = "tenancy"
urlpatterns = [
    path("", views.tenant_home, name="home"),
    path("settings/", views.tenant_settings, name="settings"),
    path("audit/", audit_views.audit_log, name="audit"),
    path("team/", views.team, name="team"),
    path("team/<uuid:membership_id>/role/", views.change_member_role, name="change-role"),
    path("team/<uuid:membership_id>/remove/", views.remove_member, name="remove-member"),
    path("team/invite/", views.invite, name="invite"),
    path("api-tokens/", views.api_tokens, name="api-tokens"),
    path("api-tokens/<uuid:token_id>/revoke/", views.revoke_api_token, name="revoke-api-token"),
    path("team/invitations/<uuid:invitation_id>/revoke/", views.revoke_invitation, name="revoke-invitation"),
]
