"""The views' one way to check: ``@permission_required_for`` for function views, ``permission_refusal`` for the API.

Anyone who is not in the business never gets here: the tenant middleware (and
the API's tenant resolution) answers 404 first, so a URL never tells whether
a business exists. A member the policy refuses gets a 403 page saying why.
The decorator records what it requires on the view (``required_permissions``,
by HTTP method) so the permission matrix test can find views that declare
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.errors import NotAllowed
from apps.permissions import checks
from apps.permissions.predicates import remember_membership

ANY_METHOD = "*"
ObjectGetter = Callable[..., Any]


def _required(perm: str | Mapping[str, str]) -> dict[str, str]:
    table = {ANY_METHOD: perm} if isinstance(perm, str) else {m.upper(): p for m, p in perm.items()}
    for name in table.values():
        if not checks.is_named_permission(name):
            raise KeyError(f"No permission named {name!r} in the policy")
    return table


def permission_for(view: Callable, method: str) -> str | None:
    """The permission a decorated view requires for this HTTP method (None when it declares none)."""
    table = getattr(view, "required_permissions", None) or {}
    return table.get(method.upper(), table.get(ANY_METHOD))


def _permission_for_method(table: Mapping[str, str], method: str | None) -> str | None:
    """The permission for this method; HEAD asks what GET asks (it is GET without the body)."""
    method = (method or "").upper()
    name = table.get(method, table.get(ANY_METHOD))
    if name is None and method == "HEAD":
        name = table.get("GET")
    return name


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "errors/403.html", {"message": message}, status=403)


def permission_required_for(
    perm: str | Mapping[str, str], *, obj: ObjectGetter | None = None
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Require ``perm`` (or ``{"GET": perm, "POST": other}``) on the business, or on ``obj(request, **kwargs)``.

    A service refusing with ``NotAllowed`` inside the view is answered the
    same way (403 with its message), so the view and its services may both
    check without the view catching anything.
    """
    table = _required(perm)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            name = _permission_for_method(table, request.method)
            if name is None:  # a method the view declared nothing for: refused, never let through unchecked
                return forbidden(request, "This action declares no permission.")
            tenant = getattr(request, "tenant", None)
            if tenant is not None:
                remember_membership(request.user, getattr(request, "membership", None), tenant)
            target = obj(request, *args, **kwargs) if obj is not None else tenant
            reason = checks.refusal(request.user, name, target)
            if reason is not None:
                return forbidden(request, reason)
            try:
                return view(request, *args, **kwargs)
            except NotAllowed as refused:
                return forbidden(request, refused.message)

        inner = getattr(view, "required_permissions", {})
        wrapper.required_permissions = {**inner, **table}
        return wrapper

    return decorate


def permission_refusal(request, perm: str, *, membership=None, tenant=None) -> str | None:
    """For API views: why the policy refuses this request's user ``perm`` in ``tenant`` (None when it allows)."""
    remember_membership(request.user, membership, tenant)
    return checks.refusal(request.user, perm, tenant)
