"""Elevated access in the console: ask, approve or deny, end, break glass, review; access reviews; staff roles.

Behind the console's one gate (apps/staff_console/gate.py). Thin views: parse, call one service of
apps.permissions, answer. A refusal
from a service is an ApplicationError whose message is shown as it is.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.core.errors import ApplicationError
from apps.permissions import check, selectors
from apps.permissions.models import StaffRole
from apps.permissions.services import elevation as elevation_service
from apps.permissions.services import reviews as review_service
from apps.permissions.services import staff_roles as role_service
from apps.staff_console.access.forms import BreakGlassForm, ElevationRequestForm, NoteForm, StaffRoleForm
from apps.tenancy.models import Tenant


def _verified(request: HttpRequest) -> bool:
    return bool(request.user.is_verified())


def _done(request: HttpRequest, action: Callable[[], object], success: str, to: str = "staff-access:home"):
    try:
        action()
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(to)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    can_approve = check(user, "permissions.approve_elevation")  # the services enforce it again
    return render(
        request,
        "staff_console/access/home.html",
        {
            "mine": selectors.elevations_of(user),
            "waiting": selectors.elevations_waiting_for(user) if can_approve else [],
            "in_force": selectors.elevations_in_force(),
            "break_glass": selectors.break_glass_to_review(),
            "overdue": selectors.overdue_reviews(),
            "can_approve": can_approve,
            "note_form": NoteForm(),
        },
    )


def request_access(request: HttpRequest, tenant_id: uuid.UUID) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=tenant_id)
    form = ElevationRequestForm(request.POST or None)
    context = {"tenant": tenant, "form": form, "break_glass_form": BreakGlassForm()}
    if request.method != "POST":
        return render(request, "staff_console/access/request.html", context)
    if not form.is_valid():
        return render(request, "staff_console/access/request.html", context, status=400)
    try:
        elevation_service.request_elevation(
            requester=request.user,
            verified=_verified(request),
            tenant=tenant,
            reason=form.cleaned_data["reason"],
            minutes=form.cleaned_data["minutes"],
        )
    except ApplicationError as error:
        form.add_error(None, error.message)
        return render(request, "staff_console/access/request.html", context, status=error.status)
    messages.success(request, f"Access to {tenant.name} requested. A security officer must approve it.")
    return redirect("staff-access:home")


@require_POST
def break_glass(request: HttpRequest, tenant_id: uuid.UUID) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=tenant_id)
    form = BreakGlassForm(request.POST)
    if not form.is_valid():
        context = {"tenant": tenant, "form": ElevationRequestForm(), "break_glass_form": form}
        return render(request, "staff_console/access/request.html", context, status=400)
    return _done(
        request,
        lambda: elevation_service.break_glass(
            requester=request.user, verified=_verified(request), tenant=tenant, reason=form.cleaned_data["reason"]
        ),
        f"Emergency access to {tenant.name} is open. Owners and security officers have been told.",
    )


@require_POST
def approve(request: HttpRequest, elevation_id: uuid.UUID) -> HttpResponse:
    return _done(
        request,
        lambda: elevation_service.approve_elevation(
            elevation_id=elevation_id, approver=request.user, verified=_verified(request)
        ),
        "Access approved. The business's owners have been told.",
    )


@require_POST
def deny(request: HttpRequest, elevation_id: uuid.UUID) -> HttpResponse:
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _done(
        request,
        lambda: elevation_service.deny_elevation(
            elevation_id=elevation_id, approver=request.user, verified=_verified(request), note=note
        ),
        "Request denied.",
    )


@require_POST
def end(request: HttpRequest, elevation_id: uuid.UUID) -> HttpResponse:
    return _done(
        request,
        lambda: elevation_service.end_elevation(elevation_id=elevation_id, actor=request.user),
        "Access ended.",
    )


@require_POST
def review_break_glass(request: HttpRequest, elevation_id: uuid.UUID) -> HttpResponse:
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _done(
        request,
        lambda: elevation_service.review_break_glass(
            elevation_id=elevation_id, reviewer=request.user, verified=_verified(request), note=note
        ),
        "Break-glass access reviewed.",
    )


@require_GET
def reviews(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "staff_console/access/reviews.html",
        {
            "open_reviews": selectors.open_reviews(),
            "overdue": selectors.overdue_reviews(),
            "items": selectors.review_items_for(request.user),
            "can_review": check(request.user, "permissions.approve_elevation"),
        },
    )


@require_POST
def decide_item(request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
    confirm = request.POST.get("decision") == "confirm"
    note = (request.POST.get("note") or "")[:300]
    return _done(
        request,
        lambda: review_service.decide_review_item(
            item_id=item_id, reviewer=request.user, verified=_verified(request), confirm=confirm, note=note
        ),
        "Confirmed." if confirm else "Revoked: the privilege has been taken away.",
        to="staff-access:reviews",
    )


def roles(request: HttpRequest) -> HttpResponse:
    form = StaffRoleForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, "Give the staff member's email address, a role and a reason.")
            return redirect("staff-access:roles")
        person = get_user_model().objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if person is None:
            messages.error(request, "There is no account with that email address.")
            return redirect("staff-access:roles")
        revoke = request.POST.get("action") == "revoke"
        service = role_service.revoke_staff_role if revoke else role_service.grant_staff_role
        return _done(
            request,
            lambda: service(
                actor=request.user,
                verified=_verified(request),
                user=person,
                role=form.cleaned_data["role"],
                reason=form.cleaned_data["reason"],
            ),
            f"{'Took' if revoke else 'Gave'} {StaffRole(form.cleaned_data['role']).label} "
            f"{'from' if revoke else 'to'} {person.email}.",
            to="staff-access:roles",
        )
    return render(
        request,
        "staff_console/access/roles.html",
        {
            "staff": selectors.staff_with_roles(),
            "policy": selectors.policy_table(),
            # Who is in which business is customer data: for security officers and platform admins only.
            "businesses": selectors.memberships_by_business()
            if selectors.can_approve_elevations(request.user)
            else None,
            "roles": StaffRole.choices,
            "form": form,
            "is_admin": StaffRole.PLATFORM_ADMIN in selectors.staff_roles_of(request.user),
        },
    )
