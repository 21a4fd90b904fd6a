from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from apps.accounts import views as account_views
from apps.integrations import views as integrations_views
from apps.observability import views as observability_views
from apps.portal import views as tenancy_views

handler400 = "apps.accounts.views.bad_request"
handler403 = "apps.accounts.views.permission_denied"
handler404 = "apps.accounts.views.page_not_found"
handler500 = "apps.accounts.views.server_error"

urlpatterns = [
    path("", tenancy_views.portal_home, name="portal-home"),
    path("portfolio/", tenancy_views.portfolio_page, name="portfolio"),  # an accountant's businesses (decision 0042)
    path("accounts/", include("apps.accounts.urls")),
    path("t/<slug:tenant_slug>/", include("apps.portal.urls")),
    path("t/<slug:tenant_slug>/documents/", include("apps.documents.urls")),
    path("t/<slug:tenant_slug>/ledger/", include("apps.ledger.urls")),
    path("t/<slug:tenant_slug>/filing/", include("apps.filing.urls")),
    path("t/<slug:tenant_slug>/reports/", include("apps.reports.urls")),  # reports and exports (issue #13)
    path("t/<slug:tenant_slug>/onboarding/", include("apps.onboarding.urls")),
    path("t/<slug:tenant_slug>/integrations/", include("apps.integrations.urls")),
    path("t/<slug:tenant_slug>/settings/data/", include("apps.backups.urls")),  # Data & backups (issue #16)
    path("t/<slug:tenant_slug>/settings/security/", include("apps.security_center.urls")),  # issue #15
    path("t/<slug:tenant_slug>/settings/privacy/", include("apps.privacy.urls")),  # Privacy (issue #15)
    # The one redirect URI registered with HMRC; it forwards to the business named in the OAuth state.
    path("integrations/hmrc/callback/", integrations_views.hmrc_oauth_return, name="hmrc-oauth-return"),
    path("invitations/", include("apps.accounts.invitation_urls")),
    path("privacy/certificates/", include("apps.privacy.certificate_urls")),  # erasure certificates (issue #15)
    path("signup/", include("apps.onboarding.signup_urls")),
    path("staff/", include("apps.staff_console.urls")),  # every staff page, behind the console's one gate
    path("health/", include("apps.observability.urls")),
    path("metrics", observability_views.metrics, name="prometheus-django-metrics"),  # internal network only
    path("api/v1/documents/", include("apps.documents.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("admin/login/", account_views.admin_login_redirect),
    path("admin/", admin.site.urls),
]

if settings.SANDBOX_ENABLED:
    # Local stand-ins for HMRC, Companies House and a bank feed; never mounted in production.
    urlpatterns.append(path("sandbox/", include("apps.sandbox.urls")))
