"""Asking the policy from a template.

``{% load policy %}{% has_perm "filing.approve_return" vat_return as can_approve %}``

``{% if perms.… %}`` cannot carry an object, and every business permission
needs one; without an object given, the tag asks about the request's business.
"""

from __future__ import annotations

from django import template

from apps.permissions import checks

register = template.Library()


@register.simple_tag(takes_context=True)
def has_perm(context, perm: str, obj=None) -> bool:
    request = context.get("request")
    if request is None:
        return False
    target = obj if obj is not None else getattr(request, "tenant", None)
    return checks.check(request.user, perm, target)
