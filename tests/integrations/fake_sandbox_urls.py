"""The real URLconf plus a few views under /sandbox/fake/, to test the HTTP layer and the in-process transport."""

import json
import time

from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


@csrf_exempt
def echo(request):
    from apps.tenancy.models import Tenant

    return JsonResponse(
        {
            "method": request.method,
            "path": request.path,
            "query": request.GET.dict(),
            "body": request.body.decode(),
            "content_type": request.content_type,
            "headers": {k: v for k, v in request.headers.items() if k.lower().startswith(("x-", "authorization"))},
            # The test's own uncommitted rows are visible: same connection.
            "tenants": sorted(Tenant.objects.values_list("slug", flat=True)),
        }
    )


@csrf_exempt
def status(request, code):
    body = json.loads(request.GET.get("body", "{}"))
    response = JsonResponse(body, status=code)
    if "retry_after" in request.GET:
        response["Retry-After"] = request.GET["retry_after"]
    return response


def slow(request):
    time.sleep(float(request.GET.get("seconds", "0.2")))
    return HttpResponse("late")


@csrf_exempt
def garbled(request, kind, rest=""):
    """An HMRC stand-in that answers 200 (201 for POST) with a body no client can read."""
    bodies = {"text": "<html>proxy error</html>", "shape": '{"obligations": [{"periodKey": 1}], "payments": "x"}'}
    return HttpResponse(bodies[kind], status=201 if request.method == "POST" else 200, content_type="application/json")


def post_only(request):
    return HttpResponse("ok")


urlpatterns = [
    *urlpatterns,
    path("sandbox/fake/echo/", echo),
    path("sandbox/fake/status/<int:code>/", status),
    path("sandbox/fake/slow/", slow),
    path("sandbox/fake/csrf/", post_only),
    path("sandbox/fake/garbled/<str:kind>/<path:rest>", garbled),
]
