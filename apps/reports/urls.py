"""Mounted at /t/<tenant_slug>/reports/ with the namespace "reports"."""

from django.urls import path

from apps.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="home"),
    path("profit-and-loss/", views.profit_and_loss_page, name="profit-and-loss"),
    path("balance-sheet/", views.balance_sheet_page, name="balance-sheet"),
    path("trial-balance/", views.trial_balance_page, name="trial-balance"),
    path("aged/<str:kind>/", views.aged_page, name="aged"),
    path("vat/<str:period_key>/", views.vat_detail_page, name="vat-detail"),
    path("vat/<str:period_key>/return.pdf", views.vat_return_pdf, name="vat-return-pdf"),
    path("ledger.zip", views.ledger_export, name="ledger-export"),
]
