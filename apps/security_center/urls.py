from django.urls import include, path

from apps.security_center import views

app_name = "staff"
urlpatterns = [
    path("", views.console_home, name="home"),
    path("tenants/", views.tenant_list, name="tenants"),
    path("tenants/<uuid:tenant_id>/", views.tenant_detail, name="tenant"),
    path("tenants/<uuid:tenant_id>/access/", views.request_tenant_access, name="tenant-access"),
    path("tenants/<uuid:tenant_id>/access/end/", views.end_tenant_access, name="tenant-access-end"),
    path("audit/", views.audit_log, name="audit"),
    path("components/", include("apps.security_center.components.urls")),  # the component gallery
]
