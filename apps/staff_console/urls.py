"""Every staff page, mounted at /staff/ (config/urls.py), behind the console's one gate.

The namespaces predate the console app and are kept, since templates and
tests reverse them: "staff" (home, businesses, audit, component gallery),
"staff-filing", "onboarding-staff" and "slo"; elevated access is "staff-access".
"""

from django.urls import include, path

from apps.staff_console.gallery import views as gallery
from apps.staff_console.gate import guard
from apps.staff_console.views import audit, chaos, filing, onboarding, slo, tenants
from apps.staff_console.views import backups as backup_views  # issue #16 (H6)
from apps.staff_console.views import outbox as outbox_views  # outbox (issue #17)
from apps.staff_console.views import privacy as privacy_views  # privacy requests and retention (issue #15)
from apps.staff_console.views import security as security_views  # security center (issue #15)

console = [
    path("", tenants.console_home, name="home"),
    path("tenants/", tenants.tenant_list, name="tenants"),
    path("tenants/<uuid:tenant_id>/", tenants.tenant_detail, name="tenant"),
    path("tenants/<uuid:tenant_id>/audit/", audit.tenant_audit_log, name="tenant-audit"),
    path("audit/", audit.platform_audit_log, name="audit"),
    # The component gallery: each server-rendered component in every state, from fixtures.
    path("components/", gallery.gallery, name="components"),
    path("components/<slug:component>/<slug:state>/", gallery.component_state, name="component-state"),
]

filing_tower = [
    path("", filing.control_tower, name="home"),
    path("tenants/<uuid:tenant_id>/", filing.tenant_periods, name="tenant"),
]

onboarding_reviews = [
    path("reviews/", onboarding.review_queue, name="reviews"),
    path("reviews/<uuid:tenant_id>/decide/", onboarding.decide_review, name="review-decide"),
]

slo_pages = [
    path("", slo.slo_dashboard, name="dashboard"),
    path("synthetic/run/", slo.run_checks, name="run-checks"),
    path("degraded/<slug:dependency>/", slo.set_banner, name="set-banner"),
    path("degraded/<slug:dependency>/clear/", slo.clear_banner, name="clear-banner"),
    # H4: chaos experiment results (manage.py chaos)
    path("chaos/", chaos.chaos_runs, name="chaos"),
    path("chaos/<int:run_id>/", chaos.chaos_run, name="chaos-run"),
]

# The backup catalog and restore drills (issue #16).
backup_pages = [
    path("", backup_views.catalog, name="catalog"),
    path("drills/run/", backup_views.run_drill, name="run-drill"),
]

# Outbox (issue #17): the work that must happen, by state; a dead item can be sent again.
outbox_pages = [
    path("", outbox_views.outbox_list, name="list"),
    path("<uuid:item_id>/retry/", outbox_views.retry_item, name="retry"),
]

# The security center (issue #15, decision 0027): live checks, their evidence, the compliance checklist.
security_pages = [
    path("", security_views.security_center, name="center"),
    path("run/", security_views.run_checks_now, name="run"),  # POST: queue a run (decision 0037)
    path("verify-chains/run/", security_views.verify_chains_now, name="verify-chains"),  # POST: queue a verification
    path("evidence/<str:check_id>/", security_views.evidence, name="evidence"),
]

# Privacy (issue #15): access and erasure requests, certificates, retention runs.
privacy_pages = [
    path("", privacy_views.requests_queue, name="requests"),
    path("open/", privacy_views.open_for_subject, name="open"),
    path("<uuid:request_id>/erase/", privacy_views.erase, name="erase"),
    path("<uuid:request_id>/link/", privacy_views.link, name="link"),
    path("<uuid:request_id>/download/", privacy_views.download, name="download"),
    path("certificates/", privacy_views.certificates, name="certificates"),
    path("certificates/<uuid:certificate_id>/", privacy_views.certificate, name="certificate"),
    path("retention/", privacy_views.retention_runs, name="retention"),
]

urlpatterns = guard(
    [
        path("filing/", include((filing_tower, "staff-filing"))),
        path("onboarding/", include((onboarding_reviews, "onboarding-staff"))),
        path("slo/", include((slo_pages, "slo"))),
        path("access/", include("apps.staff_console.access.urls")),  # elevated access, reviews, staff roles
        path("backups/", include((backup_pages, "staff-backups"))),  # backups and restore drills (issue #16)
        path("outbox/", include((outbox_pages, "staff-outbox"))),  # outbox (issue #17)
        path("security/", include((security_pages, "staff-security"))),  # security center (issue #15)
        path("privacy/", include((privacy_pages, "staff-privacy"))),  # privacy (issue #15)
        path("", include((console, "staff"))),
    ]
)
