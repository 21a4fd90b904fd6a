"""Mounted at /t/<tenant_slug>/ledger/ with the namespace "ledger"."""

from django.urls import path

from apps.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.trial_balance, name="trial-balance"),
    path("", views.trial_balance, name="home"),  # the section's landing page, for the primary navigation
    path("journal/", views.journal, name="journal"),
    path("journal/<uuid:entry_id>/", views.entry, name="entry"),
    path("journal/<uuid:entry_id>/reverse/", views.reverse, name="reverse-entry"),
    path("accounts/", views.chart, name="chart"),
    path("accounts/add/", views.add_account, name="add-account"),
    path("accounts/<str:code>/", views.account, name="account"),
    path("accounts/<str:code>/rename/", views.rename_account, name="rename-account"),
    path("accounts/<str:code>/deactivate/", views.deactivate_account, name="deactivate-account"),
    path("accounts/<str:code>/reactivate/", views.reactivate_account, name="reactivate-account"),
    path("rules/", views.rules, name="rules"),
]
