"""Mounted at /t/<tenant_slug>/onboarding/ with the namespace "onboarding"."""

from django.urls import path

from apps.onboarding import views

app_name = "onboarding"
urlpatterns = [
    path("", views.wizard_home, name="start"),
    path("business/", views.business, name="business"),
    path("identifiers/", views.identifiers, name="identifiers"),
    path("kyc/", views.kyc, name="kyc"),
    path("kyc/check/", views.kyc_check, name="kyc-check"),
    path("kyc/review/", views.kyc_review, name="kyc-review"),
    path("hmrc/", views.hmrc, name="hmrc"),
    path("hmrc/continue/", views.hmrc_continue, name="hmrc-continue"),
    path("vat/", views.vat, name="vat"),
    path("team/", views.team, name="team"),
    path("team/invite/", views.team_invite, name="team-invite"),
    path("team/continue/", views.team_continue, name="team-continue"),
    path("documents/", views.documents, name="documents"),
    path("documents/upload/", views.documents_upload, name="documents-upload"),
    path("documents/skip/", views.documents_skip, name="documents-skip"),
    path("done/", views.done, name="done"),
    path("finish/", views.finish, name="finish"),
]
