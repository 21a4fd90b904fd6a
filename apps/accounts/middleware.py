"""Two-factor authentication is required for staff and for tenant owners.

Such a user whose session is not OTP-verified may only reach the account
pages (to enrol or verify), logout, health checks and static files. Users
without a device are sent to enrol; users with one (a session that was never
verified) are asked for a code.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from apps.accounts.selectors import has_confirmed_device, requires_2fa
from apps.accounts.views.errors import application_error, method_not_allowed
from apps.core.api import error_body
from apps.core.errors import ApplicationError

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/health/", "/metrics", "/favicon.ico")


class MethodNotAllowedPage:
    """Give Django's bodiless 405 (``require_POST`` and friends) a page like the 404's, keeping ``Allow``.

    Why: a bookmarked or reloaded POST-only address otherwise shows the
    browser's blank error page. API answers (JSON bodies) are left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code != 405
            or response.streaming
            or response.content
            or request.path_info.startswith("/api/")
        ):
            return response

        page = method_not_allowed(request)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page


class Require2FAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path_info.startswith(EXEMPT_PREFIXES)
            and requires_2fa(user)
        ):
            if request.path_info.startswith("/api/"):
                message = "Sign in with two-factor authentication, or use an API token."
                return JsonResponse(error_body(message, "2fa_required"), status=403)  # the API's one shape
            name = "accounts:login-verify" if has_confirmed_device(user) else "accounts:2fa-setup"
            target = reverse(name)
            if getattr(request, "htmx", False):
                # A redirect would be followed by htmx and swapped into the page; ask for a full navigation.
                response = HttpResponse(status=401)
                response["HX-Redirect"] = target
                return response
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class ApplicationErrorPage:
    """The portal's one mapping of ``ApplicationError`` to a page: its status, its message.

    Views raise and let this answer, instead of catching their own tuple of
    errors. ``process_exception`` runs inside the tenant middleware's
    transaction, which rolls back on any answer of 400 or more, so a refused
    request still writes nothing. htmx requests get a small fragment.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:

        if not isinstance(exception, ApplicationError):
            return None  # Django's own handling (404, 403, 500 pages)

        return application_error(request, exception)
