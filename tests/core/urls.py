"""The real URLconf plus views that write and then refuse, to test the two error mappings end to end."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import path
from rest_framework import serializers

from apps.core.errors import ApplicationError, Locked
from apps.integrations.errors import RateLimited
from apps.portal.api import TenantAPIView
from config.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401

REFUSALS = {
    "locked": lambda: Locked("The VAT period is filed: its figures cannot change."),
    "rate_limited": lambda: RateLimited(service="HMRC", retry_after=30),
    "plain": lambda: ApplicationError("That could not be done here.", extra={"field": "name"}),
    "django_validation": lambda: ValidationError({"name": ["Give the business a name."]}),
    "not_found": lambda: Http404("No such thing."),
    "forbidden": lambda: PermissionDenied("Only an owner can do that."),
}


def _write(tenant) -> None:
    from apps.tenancy.models import Tenant

    Tenant.objects.filter(pk=tenant.pk).update(name="Half-written Ltd")


def write_then_refuse(request, tenant_slug, kind):
    _write(request.tenant)
    raise REFUSALS[kind]()


class _Body(serializers.Serializer):
    name = serializers.CharField()


class WriteThenRefuse(TenantAPIView):
    required_permissions = {"POST": "tenancy.view_business"}

    def post(self, request, kind):
        _write(self.tenant)
        if kind == "drf_validation":
            _Body(data=request.data).is_valid(raise_exception=True)
        raise REFUSALS[kind]()


urlpatterns = [
    *urlpatterns,
    path("t/<slug:tenant_slug>/refuse/<str:kind>/", write_then_refuse),
    path("api/v1/test-refuse/<str:kind>/", WriteThenRefuse.as_view()),
]
