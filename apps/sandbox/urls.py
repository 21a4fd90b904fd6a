"""Mounted at /sandbox/ only when SANDBOX_ENABLED is on (see config/urls.py).

/sandbox/                              staff page: companies, test VRNs, faults
/sandbox/hmrc/oauth/authorize          HMRC's grant page (browser)
/sandbox/hmrc/oauth/token              HMRC's token endpoint
/sandbox/hmrc/organisations/vat/...    the VAT (MTD) API (= HMRC_API_BASE_URL + the real paths)
/sandbox/hmrc/create-test-user/organisations, /sandbox/hmrc/test/fraud-prevention-headers/validate
/sandbox/companies-house/company/<n>   Companies House company profile
/sandbox/bank/accounts[/<id>/transactions]  the bank feed (contract in views/bank.py)
"""

from django.urls import path

from apps.sandbox.views import bank, companies_house, hmrc_oauth, hmrc_test_support, hmrc_vat, staff

app_name = "sandbox"

urlpatterns = [
    path("", staff.index, name="index"),
    path("hmrc/oauth/authorize", hmrc_oauth.authorize, name="hmrc-authorize"),
    path("hmrc/oauth/token", hmrc_oauth.token, name="hmrc-token"),
    path("hmrc/organisations/vat/<str:vrn>/obligations", hmrc_vat.obligations, name="vat-obligations"),
    path("hmrc/organisations/vat/<str:vrn>/returns", hmrc_vat.submit_return, name="vat-returns"),
    path("hmrc/organisations/vat/<str:vrn>/returns/<str:period_key>", hmrc_vat.view_return, name="vat-return"),
    path("hmrc/organisations/vat/<str:vrn>/liabilities", hmrc_vat.liabilities, name="vat-liabilities"),
    path("hmrc/organisations/vat/<str:vrn>/payments", hmrc_vat.payments, name="vat-payments"),
    path(
        "hmrc/create-test-user/organisations",
        hmrc_test_support.create_test_organisation,
        name="hmrc-create-test-organisation",
    ),
    path(
        "hmrc/test/fraud-prevention-headers/validate",
        hmrc_test_support.validate_fraud_headers,
        name="hmrc-validate-fraud-headers",
    ),
    path("hmrc/<path:rest>", hmrc_vat.not_found),
    path("companies-house/company/<str:company_number>", companies_house.company_profile, name="ch-company"),
    path("bank/accounts", bank.accounts, name="bank-accounts"),
    path("bank/accounts/<str:account_id>/transactions", bank.transactions, name="bank-transactions"),
]
