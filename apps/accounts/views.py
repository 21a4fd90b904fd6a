"""STUB: replaced by the accounts flows."""
from django.http import HttpResponse
from django.shortcuts import redirect, render


def _error(request, code, message):
    return render(request, f"errors/{code}.html", {"message": message}, status=code)


def bad_request(request, exception=None):
    return _error(request, 400, "The request could not be understood.")


def permission_denied(request, exception=None):
    return _error(request, 403, "You do not have permission to do that.")


def page_not_found(request, exception=None):
    return _error(request, 404, "We could not find that page.")


def server_error(request):
    return _error(request, 500, "Something went wrong on our side.")


def csrf_failure(request, reason=""):
    return _error(request, 403, "This form had expired. Reload the page and try again.")


def admin_login_redirect(request):
    return redirect("accounts:login")


def placeholder(request, *args, **kwargs):
    return HttpResponse("stub")
