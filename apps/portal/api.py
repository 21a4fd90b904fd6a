"""The HTTP API's way into a tenant: token authentication and ``TenantAPIView``.

A token (``Authorization: Token sr_…``) belongs to one membership, so it names
its tenant. A browser session names it with the ``X-Strongroom-Tenant: <slug>``
header and must be a member. Either way ``TenantAPIView`` runs the handler
inside ``tenant_context`` (the API surface's one place), rolled back when the
response is an error, as the portal middleware does.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import error_body
from apps.permissions.decorators import permission_refusal
from apps.tenancy.context import tenant_context
from apps.tenancy.models import ApiToken, Membership, Tenant
from apps.tenancy.services import hash_api_key

TENANT_HEADER = "X-Strongroom-Tenant"


class TenantTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword.lower().encode():
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed("Send the header as: Authorization: Token <key>.")
        key = auth[1].decode(errors="replace")
        token = (
            ApiToken.objects.select_related("membership__user", "membership__tenant")
            .filter(key_hash=hash_api_key(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.membership.user.is_active or not token.membership.tenant.is_open:
            raise exceptions.AuthenticationFailed("This API token is not valid (unknown, revoked or expired).")
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.membership.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class TenantAPIView(APIView):
    """Base view for tenant data: ``self.tenant`` and ``self.membership`` are set, the tenant is entered."""

    authentication_classes = [TenantTokenAuthentication, SessionAuthentication]
    # The policy's permission for each HTTP method (apps/permissions/policy.py); a method not named is refused.
    required_permissions: dict[str, str] = {}
    tenant: Tenant
    membership: Membership

    def resolve_tenant(self, request: Request) -> None:
        if isinstance(request.auth, ApiToken):
            self.membership = request.auth.membership
        else:
            slug = request.headers.get(TENANT_HEADER, "")
            if not slug:
                raise exceptions.ValidationError({"detail": f"Name the business in the {TENANT_HEADER} header."})
            membership = (
                Membership.objects.select_related("tenant").filter(user=request.user, tenant__slug=slug).first()
            )
            if membership is None or not membership.tenant.is_open:
                raise exceptions.NotFound("No such business, or you are not a member of it.")
            self.membership = membership
        self.tenant = self.membership.tenant

    def permission_refusal(self, request: Request) -> Response | None:
        """A 403 answer when the policy refuses this method here (None when it allows)."""
        perm = self.required_permissions.get(request.method.upper())
        if perm is None:
            if request.method.upper() in ("OPTIONS", "HEAD") or not hasattr(self, request.method.lower()):
                return None  # answered by DRF itself (options, or 405)
            return Response(error_body("This action declares no permission.", "forbidden"), status=403)
        reason = permission_refusal(request, perm, membership=self.membership, tenant=self.tenant)
        if reason is None:
            return None
        return Response(error_body(reason, "forbidden"), status=403)

    def dispatch(self, request, *args, **kwargs):
        # As APIView.dispatch, with the handler inside the tenant's context.
        self.args, self.kwargs = args, kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            self.initial(request, *args, **kwargs)
            self.resolve_tenant(request)
            method = request.method.lower()
            handler = getattr(self, method, None) if method in self.http_method_names else None
            handler = handler or self.http_method_not_allowed
            with tenant_context(self.tenant):
                refused = self.permission_refusal(request)
                response = refused or handler(request, *args, **kwargs)
                if response.status_code >= 400:
                    transaction.set_rollback(True)
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response


class TenantTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token scheme in the OpenAPI schema."""

    target_class = "apps.portal.api.TenantTokenAuthentication"
    name = "TenantToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`: a key from the portal's API tokens page; it belongs to one business.",
        }
