"""HMRC's OAuth endpoints: the "Government Gateway" grant page and the token endpoint.

The contract: docs/contracts/hmrc-vat-api.md, OAuth.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.sandbox import clock
from apps.sandbox.fixtures import DEMO_VRN
from apps.sandbox.responses import OAUTH_FAULTS, json_response
from apps.sandbox.services import oauth
from apps.sandbox.services.faults import apply_faults

AUTH_FIELDS = (
    "response_type",
    "client_id",
    "scope",
    "state",
    "redirect_uri",
    "code_challenge",
    "code_challenge_method",
)


def _with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _may_post_back_to(response: HttpResponse, redirect_uri: str) -> HttpResponse:
    """Let this page's form be redirected to the software's (registered, validated) redirect URI.

    The grant form posts to this page, which redirects to the software's site:
    Chromium checks that redirect against this page's ``form-action``, and the
    software is on another origin whenever HMRC is (as the real HMRC's is).
    """
    parts = urlsplit(redirect_uri)
    response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}
    return response


def _error_page(request: HttpRequest, status: int, error: str, description: str) -> HttpResponse:
    context = {"error": error, "description": description}
    return render(request, "sandbox/authorize_error.html", context, status=status)


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """GET shows the grant page; POST is the test user's answer (grant for a VRN, or deny)."""
    fault = apply_faults("hmrc")
    if fault:
        status, body = OAUTH_FAULTS[fault]
        return _error_page(request, status, body.get("error", body.get("code", "")), "The service is unavailable.")
    params = request.GET if request.method == "GET" else request.POST
    try:
        auth = oauth.validate_authorize(params)
    except oauth.OAuthError as exc:
        return _error_page(request, exc.status, exc.error, exc.description)
    hidden = {name: params[name] for name in AUTH_FIELDS if name in params}
    context = {"auth": auth, "hidden": hidden, "vrn": DEMO_VRN, "error": ""}
    if request.method == "GET":
        return _may_post_back_to(render(request, "sandbox/authorize.html", context), auth.redirect_uri)
    state = {"state": auth.state} if auth.state else {}
    if request.POST.get("action") != "grant":
        return HttpResponseRedirect(
            _with_query(
                auth.redirect_uri,
                {
                    "error": "access_denied",
                    "error_description": "user denied the authorization",
                    "error_code": "USER_DENIED_AUTHORIZATION",
                    **state,
                },
            )
        )
    vrn = request.POST.get("vrn", "").replace(" ", "").removeprefix("GB")
    try:
        code = oauth.grant_authority(auth, vrn=vrn, now=clock.now())
    except ValueError as exc:
        page = render(request, "sandbox/authorize.html", {**context, "vrn": vrn, "error": str(exc)}, status=400)
        return _may_post_back_to(page, auth.redirect_uri)
    return HttpResponseRedirect(_with_query(auth.redirect_uri, {"code": code, **state}))


def _oauth_error(exc: oauth.OAuthError) -> HttpResponse:
    response = json_response(exc.status, {"error": exc.error, "error_description": exc.description})
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    """POST /oauth/token, form-encoded: authorization_code, refresh_token and client_credentials grants."""
    if request.method != "POST":
        return json_response(405, {"code": "METHOD_NOT_ALLOWED", "message": "The request method is not allowed"})
    fault = apply_faults("hmrc")
    if fault:
        return json_response(*OAUTH_FAULTS[fault])
    if request.content_type != "application/x-www-form-urlencoded":
        return _oauth_error(oauth.OAuthError("invalid_request", "parameters must be form-encoded in the body"))
    data = request.POST
    now = clock.now()
    try:
        client = oauth.authenticate_client(data.get("client_id", ""), data.get("client_secret", ""))
        grant_type = data.get("grant_type", "")
        if grant_type == "authorization_code":
            issued = oauth.exchange_code(
                client,
                code=data.get("code", ""),
                redirect_uri=data.get("redirect_uri", ""),
                code_verifier=data.get("code_verifier", ""),
                now=now,
            )
        elif grant_type == "refresh_token":
            issued = oauth.refresh(client, refresh_token=data.get("refresh_token", ""), now=now)
        elif grant_type == "client_credentials":
            issued = oauth.client_credentials(client, scope=data.get("scope", ""), now=now)
        elif not grant_type:
            raise oauth.OAuthError("invalid_request", "grant_type is required")
        else:
            raise oauth.OAuthError("invalid_request", "grant_type is not supported")
    except oauth.OAuthError as exc:
        return _oauth_error(exc)
    response = json_response(200, issued.as_json())
    response["Cache-Control"] = "no-store"
    return response
