"""Error pages: the handlers config/urls.py names, and CSRF_FAILURE_VIEW."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string, select_template
from django.urls import reverse

from apps.accounts import selectors
from apps.accounts.views._common import (
    _safe_next,
    _with_next,
)
from apps.core.api import error_body, retry_after_header
from apps.core.errors import ApplicationError, DatabaseUnavailable


def _error(request: HttpRequest, code: int, message: str) -> HttpResponse:
    return render(request, f"errors/{code}.html", {"message": message}, status=code)


def application_error(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    """The answer to an ApplicationError a view raised: the status's error page with the error's message.

    htmx requests get the message as a small alert fragment (with headers
    that point it at the flash-message region), never a whole page to swap
    into a fragment; ``/api/`` paths outside DRF get the API's JSON body.
    """
    headers = retry_after_header(error.retry_after)
    if request.path_info.startswith("/api/"):
        response = JsonResponse(error_body(error.message, error.code, error.extra), status=error.status)
    elif getattr(request, "htmx", False):
        html = render_to_string("errors/_fragment.html", {"message": error.message}, request=request)
        response = HttpResponse(html, status=error.status)
        response["HX-Retarget"] = "#messages-alert"
        response["HX-Reswap"] = "innerHTML"
    else:
        template = select_template([f"errors/{error.status}.html", "errors/error.html"])
        context = {"message": error.message, "status": error.status, "code": error.code}
        response = HttpResponse(template.render(context, request), status=error.status)
    for name, value in headers.items():
        response[name] = value
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "The request could not be understood.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "You do not have permission to do that.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "We could not find that page.")


def method_not_allowed(request: HttpRequest) -> HttpResponse:
    return _error(request, 405, "This address only answers a form: it cannot be opened as a page.")


def server_error(request: HttpRequest) -> HttpResponse:
    """An unhandled exception. A database that does not answer (restarting, failing over) is a 503 that says to
    try again, not a 500: the request's transaction never committed. ``/api/`` paths get the API's JSON body."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return _database_unavailable(request)
    if request.path_info.startswith("/api/"):
        return JsonResponse(error_body("Something went wrong on our side.", "server_error"), status=500)
    return _error(request, 500, "Something went wrong on our side.")


def _database_unavailable(request: HttpRequest) -> HttpResponse:
    error = DatabaseUnavailable()
    if request.path_info.startswith("/api/"):
        response = JsonResponse(error_body(error.message, error.code), status=error.status)
    else:  # rendered without the request: its user and session would ask the database again
        response = HttpResponse(render_to_string("errors/503.html", {"message": error.message}), status=error.status)
    for name, value in retry_after_header(error.retry_after).items():
        response[name] = value
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, 403, "This form had expired. Reload the page and try again.")


def admin_login_redirect(request: HttpRequest) -> HttpResponse:
    """The admin has no login of its own: ours, with its second step, is the only way in.

    Signed-in users the admin turned away are not sent back to a login page
    that would send them straight back (a loop): non-staff get a 403, staff
    without a verified session are asked for their code.
    """
    next_url = _safe_next(request, request.GET.get("next")) or reverse("admin:index")
    user = request.user
    if not user.is_authenticated:
        return redirect(_with_next(reverse("accounts:login"), next_url))
    if not user.is_staff:
        return permission_denied(request)
    if not user.is_verified():
        target = "accounts:login-verify" if selectors.has_confirmed_device(user) else "accounts:2fa-setup"
        return redirect(_with_next(reverse(target), next_url))
    return redirect(next_url)
