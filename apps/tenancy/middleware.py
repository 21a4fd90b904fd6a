"""Enter the tenant for ``/t/<slug>/…``: the portal's one place that does.

The user must be a member; anyone else, and any unknown slug, gets the same
404, so a URL never tells whether another business exists. The whole view,
template rendering included, runs inside ``tenant_context``: one transaction,
rolled back when the response is an error, so a refused or failed request
writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.urls import Resolver404, resolve

from apps.observability import logging as logs
from apps.tenancy import durable
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant
from apps.tenancy.selectors import membership_for


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.tenant = None
        request.membership = None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        slug = match.kwargs.get("tenant_slug")
        if slug is None:
            return self.get_response(request)
        if not request.user.is_authenticated:
            if getattr(request, "htmx", False):
                # An htmx request would swap the login page into a fragment: send the browser instead.
                response = HttpResponse(status=401)
                response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
                return response
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        tenant = Tenant.objects.filter(slug=slug).first()
        membership = membership_for(request.user, tenant) if tenant else None
        if membership is None or not tenant.is_open:
            # Rendered by the 404 handler through Django's exception handling.
            raise Http404("No such business, or you are not a member of it.")
        request.tenant = tenant
        request.membership = membership
        logs.bind(tenant=str(tenant.pk))
        with durable.collecting() as durable_writes:
            with tenant_context(tenant):
                response = self.get_response(request)
                rolled_back = response.status_code >= 400
                if rolled_back:
                    # Django has already turned any exception into this response, so
                    # the block would commit: a refused or failed request must leave
                    # nothing behind (what ATOMIC_REQUESTS does on an exception).
                    transaction.set_rollback(True)
            if rolled_back:
                durable.replay_all(durable_writes)  # facts of the outside world that already happened
            return response
