"""HMRC connection pages for one business (the portal middleware has entered the tenant).

The callback does no database write before HMRC's token exchange (see
apps/integrations/hmrc/oauth.py): that ordering is the service's, the view
only parses the query string and shows the outcome.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.integrations.errors import HmrcAuthorisationFailed, IntegrationError
from apps.integrations.hmrc import fraud_headers, grant_check, oauth, selectors
from apps.integrations.hmrc.initiator import UserInitiated, capture_user_context
from apps.permissions import refusal as policy_refusal
from apps.permissions.decorators import permission_required_for

# Codes after which the user lands on the status page with a message; the rest (a stale or foreign link) get a 400.
REDIRECTED_FAILURES = {"ACCESS_DENIED", "INVALID_GRANT", "INVALID_CLIENT", "INVALID_REQUEST"}


def callback_uri(tenant_slug: str = "") -> str:
    """The redirect URI registered with HMRC: one absolute address on SITE_URL for every business.

    HMRC accepts only the exact URIs registered for the application, so it
    cannot carry the business; ``hmrc_oauth_return`` forwards to the business
    named in the state. (``tenant_slug`` is accepted for callers' convenience.)
    """
    return settings.SITE_URL + reverse("hmrc-oauth-return")


@require_GET
def hmrc_oauth_return(request: HttpRequest) -> HttpResponse:
    """HMRC's redirect lands here; forward the query to the business's own callback, named by the state.

    Only the slug is read here: the state itself is checked (hash, tenant,
    user, expiry, single use) by the business's callback, behind its
    membership check. A state we did not issue is a 400, never a redirect.
    """
    slug = oauth.tenant_slug_from_state(request.GET.get("state", ""))
    if slug is None:
        return render(
            request, "integrations/hmrc_return_invalid.html",
            {"error": "This HMRC sign-in link is not valid. Please start connecting again from your business."},
            status=400,
        )  # fmt: skip
    target = reverse("integrations:hmrc-callback", kwargs={"tenant_slug": slug})
    return HttpResponseRedirect(f"{target}?{request.GET.urlencode()}")


def _status_page(request: HttpRequest, *, status: int = 200, error: str = "") -> HttpResponse:
    refusal = policy_refusal(request.user, "integrations.connect_hmrc", request.tenant)
    context = {
        "connection": selectors.connection_for(request.tenant),
        "can_connect": refusal is None,
        "refusal": refusal,
        "error": error,
        "next": oauth.safe_next_url(request.GET.get("next", "")),
    }
    return render(request, "integrations/hmrc.html", context, status=status)


@require_GET
@permission_required_for("tenancy.view_business")
def hmrc_status(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    return _status_page(request)


@require_POST
@permission_required_for("integrations.connect_hmrc")
def hmrc_connect(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    url = oauth.start_authorisation(
        tenant=request.tenant,
        user=request.user,
        redirect_uri=callback_uri(tenant_slug),
        next_url=request.POST.get("next") or request.GET.get("next", ""),
        # Kept with the journey: the grant is checked with HMRC at the callback, on this person's behalf.
        fraud_context=capture_user_context(request, require_browser=False),
    )
    return HttpResponseRedirect(url)


@require_GET
@permission_required_for("integrations.connect_hmrc")
def hmrc_callback(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    try:
        connection = oauth.complete_authorisation(
            tenant=request.tenant,
            user=request.user,
            state=request.GET.get("state", ""),
            code=request.GET.get("code") or None,
            error=request.GET.get("error") or None,
            redirect_uri=callback_uri(tenant_slug),
        )
    except HmrcAuthorisationFailed as failure:
        if failure.code in REDIRECTED_FAILURES:
            # The failure was recorded (state used up, audit event): commit it and show the status page.
            messages.error(request, failure.message)
            return redirect("integrations:hmrc", tenant_slug=tenant_slug)
        return _status_page(request, status=400, error=failure.message)
    except IntegrationError as failure:  # 503 for an outage (try again later), 502 when HMRC refused
        return _status_page(request, status=failure.status, error=failure.message)
    outcome = _check_grant(request, connection)
    if outcome == grant_check.WRONG_VRN:
        messages.error(
            request,
            "HMRC gave permission for a different VAT registration number than this business's, so nothing is "
            "connected. Connect again and sign in at HMRC with the Government Gateway account of "
            f"{request.tenant.name}.",
        )
        return redirect("integrations:hmrc", tenant_slug=tenant_slug)
    if outcome == grant_check.VERIFIED:
        messages.success(request, "Connected to HMRC. Strongroom can now fetch VAT obligations and file returns.")
    else:
        messages.warning(request, GRANT_PENDING[outcome])
    if connection.next_url:
        return HttpResponseRedirect(connection.next_url)
    return redirect("integrations:hmrc", tenant_slug=tenant_slug)


GRANT_PENDING = {
    grant_check.NO_VRN: "Connected to HMRC. Add the business's VAT registration number in its settings: "
    "Strongroom checks with HMRC that the permission covers it before the first VAT return.",
    grant_check.UNVERIFIED: "Connected to HMRC, but HMRC could not yet confirm that the permission covers this "
    "business's VAT number. Strongroom checks again when it next reads your VAT periods.",
}


def _check_grant(request: HttpRequest, connection) -> str:
    """Ask HMRC straight away whether the grant covers this business's VRN, as the person who connected.

    The headers are those captured when they clicked Connect (the callback is
    a redirect from HMRC and runs no JavaScript). Without browser facts then,
    HMRC is not called as if they were there: the check waits for the first sync.
    """
    context = connection.fraud_context or {}
    if not context or fraud_headers.missing_browser_facts(context):
        return grant_check.UNVERIFIED
    return grant_check.check_granted_vrn(tenant=request.tenant, initiator=UserInitiated(context), actor=request.user)


@require_POST
@permission_required_for("integrations.connect_hmrc")
def hmrc_disconnect(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    oauth.disconnect(tenant=request.tenant, actor=request.user)
    messages.success(request, "Disconnected from HMRC. Connect again before the next VAT return.")
    return redirect("integrations:hmrc", tenant_slug=tenant_slug)
