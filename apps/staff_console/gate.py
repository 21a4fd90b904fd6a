"""The console's one door: staff with a staff role whose session passed two-factor authentication.

``guard`` wraps every view of a list of URL patterns (recursing into nested
includes), so ``urls.py`` applies it once to the whole console and a new page
cannot forget it. ``tests/staff_console/test_gate.py`` walks every pattern
under /staff/ to prove it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver

from apps.permissions import check

REFUSAL = "The staff console is for Strongroom staff with a staff role, signed in with two-factor authentication."


def is_console_user(user) -> bool:
    """Staff holding a staff role, signed in, with a 2FA-verified session (the policy's ``staff.use_console``)."""
    return check(user, "staff.use_console")


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to the login page; anyone else who is not a console user gets a 403."""
    if getattr(view, "console_gated", False):
        return view

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_console_user(request.user):
            raise PermissionDenied(REFUSAL)
        return view(request, *args, **kwargs)

    wrapper.console_gated = True
    return wrapper


def guard(patterns: Sequence[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    """The same patterns with every view behind ``staff_required`` (nested includes too)."""
    guarded: list[URLPattern | URLResolver] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            guard_resolver(entry)
            guarded.append(entry)
        else:
            entry.callback = staff_required(entry.callback)
            guarded.append(entry)
    return guarded


def guard_resolver(resolver: URLResolver) -> None:
    """Wrap the views of an included list in place (``include((patterns, namespace))``)."""
    inner = resolver.url_patterns
    inner[:] = guard(inner)
