"""Mounted at /t/<tenant_slug>/ledger/ with the namespace "ledger"."""

from django.urls import path

from apps.ledger import bank_reconcile_views, bank_views, manual_views, views

app_name = "ledger"
urlpatterns = [
    path("", views.trial_balance, name="trial-balance"),
    path("", views.trial_balance, name="home"),  # the section's landing page, for the primary navigation
    path("journal/", views.journal, name="journal"),
    path("journal/manual/", manual_views.manual_journals, name="manual-journals"),
    path("journal/<uuid:entry_id>/", views.entry, name="entry"),
    path("journal/<uuid:entry_id>/reverse/", views.reverse, name="reverse-entry"),
    path("journal/<uuid:entry_id>/attachment/", manual_views.journal_attachment, name="entry-attachment"),
    path("accounts/", views.chart, name="chart"),
    path("accounts/add/", views.add_account, name="add-account"),
    path("accounts/<str:code>/", views.account, name="account"),
    path("accounts/<str:code>/rename/", views.rename_account, name="rename-account"),
    path("accounts/<str:code>/deactivate/", views.deactivate_account, name="deactivate-account"),
    path("accounts/<str:code>/reactivate/", views.reactivate_account, name="reactivate-account"),
    path("rules/", views.rules, name="rules"),
    path("bank/", bank_views.bank, name="bank"),
    path("bank/import/", bank_views.bank_import, name="bank-import"),
    path("bank/<uuid:line_id>/post/", bank_views.bank_post, name="bank-post"),
    path("bank/<uuid:line_id>/match/", bank_views.bank_match, name="bank-match"),
    path("bank/<uuid:line_id>/ignore/", bank_views.bank_ignore, name="bank-ignore"),
    path("bank/<uuid:line_id>/restore/", bank_views.bank_restore, name="bank-restore"),
    path("bank/<uuid:line_id>/", bank_views.bank_line, name="bank-line"),
    path("bank/<uuid:line_id>/accept/", bank_views.bank_accept, name="bank-accept"),
    path("bank/<uuid:line_id>/undo/", bank_views.bank_undo, name="bank-undo"),
    path("bank/<uuid:line_id>/split/", bank_reconcile_views.bank_split, name="bank-split"),
    path("bank/<uuid:line_id>/rule/", bank_reconcile_views.bank_rule_from_line, name="bank-rule"),
    path("bank/rules/off/", bank_reconcile_views.bank_rule_off, name="bank-rule-off"),
    path("bank/bulk/", bank_reconcile_views.bank_bulk, name="bank-bulk"),
    path("bank/statement/", bank_reconcile_views.bank_statement, name="bank-statement"),
]
