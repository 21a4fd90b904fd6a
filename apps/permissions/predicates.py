"""The facts the policy decides on: who the person is in a business, how they signed in, the object's state.

Every predicate takes ``(user, obj)`` and answers False when either is
missing. None of them looks at ``is_superuser``: the superuser flag opens the
Django admin's model permissions and nothing in a business.

Lookups (membership, staff roles, elevation) are cached on the user object,
which lives for one request (the authentication middleware loads a new one
each time), so a role changed by someone else counts from the next request.
Nothing is cached across requests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rules

from apps.permissions import selectors as staff_selectors
from apps.tenancy.models import Membership, Tenant

_CACHE_ATTR = "_policy_cache"
_MISSING = object()


def _cache(user) -> dict:
    cache = user.__dict__.get(_CACHE_ATTR)
    if cache is None:
        cache = user.__dict__[_CACHE_ATTR] = {}
    return cache


def forget(user) -> None:
    """Drop what the policy remembered about this user (after changing their own role mid-request)."""
    if user is not None:
        user.__dict__.pop(_CACHE_ATTR, None)


def remember_membership(user, membership: Membership | None, tenant: Tenant) -> None:
    """Seed the cache with a membership already read for this request (the tenant middleware's)."""
    if not _signed_in(user) or tenant is None:
        return
    if membership is not None and membership.tenant_id == tenant.pk:
        membership.tenant = tenant  # the request's own row: no second query for its status
    _cache(user)[("membership", str(tenant.pk))] = membership


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def tenant_id_of(obj: Any):
    """The business an object belongs to: a Tenant, a membership, or any tenant-owned row."""
    if obj is None:
        return None
    if isinstance(obj, Tenant):
        return obj.pk
    return getattr(obj, "tenant_id", None)


def membership_of(user, obj: Any) -> Membership | None:
    """The user's membership in the object's business (one query per business per request at most)."""
    tenant_id = tenant_id_of(obj)
    if not _signed_in(user) or tenant_id is None:
        return None
    cache, key = _cache(user), ("membership", str(tenant_id))
    found = cache.get(key, _MISSING)
    if found is _MISSING:
        found = cache[key] = Membership.objects.select_related("tenant").filter(user=user, tenant_id=tenant_id).first()
    return found


def _elevation(user, obj: Any):
    tenant_id = tenant_id_of(obj)
    if not _signed_in(user) or tenant_id is None or not user.is_staff:
        return None
    cache, key = _cache(user), ("elevation", str(tenant_id))
    found = cache.get(key, _MISSING)
    if found is _MISSING:
        found = cache[key] = staff_selectors.active_elevation(user, tenant_id)
    return found


def _staff_roles(user) -> frozenset[str]:
    if not _signed_in(user):
        return frozenset()
    cache = _cache(user)
    if "staff_roles" not in cache:
        cache["staff_roles"] = staff_selectors.staff_roles_of(user)
    return cache["staff_roles"]


@rules.predicate
def is_verified(user) -> bool:
    """The session was signed in with a second factor (django-otp marks the request's user)."""
    if not _signed_in(user):
        return False
    check = getattr(user, "is_verified", None)
    return bool(callable(check) and check())


@rules.predicate
def business_is_open(user, obj) -> bool:
    """The business is onboarding or active (not suspended or closed)."""
    tenant_id = tenant_id_of(obj)
    if tenant_id is None:
        return False
    if isinstance(obj, Tenant):
        return obj.is_open
    membership = membership_of(user, obj)
    if membership is not None:
        return membership.tenant.is_open
    return Tenant.objects.filter(pk=tenant_id, status__in=[Tenant.Status.ONBOARDING, Tenant.Status.ACTIVE]).exists()


def has_role(*roles: str) -> rules.Predicate:
    """A member of the object's business in one of these roles."""
    allowed = frozenset(roles)

    @rules.predicate(name=f"has_role({', '.join(sorted(allowed))})")
    def predicate(user, obj) -> bool:
        membership = membership_of(user, obj)
        return membership is not None and membership.role in allowed

    predicate.roles = allowed
    return predicate


@rules.predicate
def has_elevation(user, obj) -> bool:
    """A staff member with an approved, unexpired elevation to the object's business."""
    return _elevation(user, obj) is not None


@rules.predicate
def is_staff(user) -> bool:
    return _signed_in(user) and bool(user.is_staff)


def has_staff_role(*roles: str) -> rules.Predicate:
    allowed = frozenset(roles)

    @rules.predicate(name=f"has_staff_role({', '.join(sorted(allowed))})")
    def predicate(user) -> bool:
        return bool(_staff_roles(user) & allowed)

    return predicate


@rules.predicate
def not_the_preparer(user, obj) -> bool:
    """Four-eyes: a return waiting for approval under the four-eyes setting is approved by someone else.

    Answers True for anything that is not such a return (an obligation, the
    business): the rule is about the return's own attributes.
    """
    if user is None:
        return False
    if getattr(obj, "status", None) != "awaiting_approval" or not hasattr(obj, "prepared_by_id"):
        return True
    if _four_eyes_source is None:
        return False  # nobody told us whether four-eyes is on: refuse rather than guess
    return not _four_eyes_source(obj.tenant_id) or obj.prepared_by_id != user.pk


# Whether a business has four-eyes approval on. Filing (above this app) registers it in its AppConfig.ready.
_four_eyes_source: Callable[[object], bool] | None = None


def register_four_eyes_source(source: Callable[[object], bool]) -> None:
    global _four_eyes_source
    _four_eyes_source = source
