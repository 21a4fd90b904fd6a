"""The real URLconf plus a view that fails, to test the 500 path end to end."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [*urlpatterns, path("boom/", boom)]


def write_then_fail(request, tenant_slug):
    from apps.tenancy.models import Tenant

    Tenant.objects.filter(pk=request.tenant.pk).update(name="Half-written Ltd")
    raise RuntimeError("failed after a write")


urlpatterns = [*urlpatterns, path("t/<slug:tenant_slug>/write-then-fail/", write_then_fail)]


def log_context(request, tenant_slug):
    """What a view inside a portal request sees in its log context."""
    import structlog
    from django.http import JsonResponse

    return JsonResponse(structlog.contextvars.get_contextvars())


urlpatterns = [*urlpatterns, path("t/<slug:tenant_slug>/log-context/", log_context)]


urlpatterns = [*urlpatterns, path("api/v1/boom/", boom)]
