"""The CSP lets "Connect to HMRC" redirect to exactly HMRC's sign-in origin, and nowhere else."""

from __future__ import annotations

import json

from tests.config.test_production_settings import _manage

PRINT_FORM_ACTION = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']))"
)


def _form_action(**env: str) -> list[str]:
    result = _manage("shell", "-v", "0", "-c", PRINT_FORM_ACTION, STRONGROOM_ENV="test", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_form_action_names_the_authorise_origin_only():
    url = "https://user:secret@Test-Api.Service.HMRC.gov.uk:8443/oauth/authorize?x=1"
    assert _form_action(HMRC_AUTHORIZE_URL=url) == ["'self'", "https://test-api.service.hmrc.gov.uk:8443"]


def test_form_action_is_self_alone_without_an_authorise_url():
    assert _form_action(HMRC_AUTHORIZE_URL="", SANDBOX_ENABLED="false") == ["'self'"]


def test_the_sandbox_grant_page_may_redirect_its_form_to_the_registered_redirect_uri(db, client, settings):
    """The stand-in HMRC page posts to itself, then redirects to the portal: another origin in production."""
    from apps.integrations.hmrc import oauth
    from apps.integrations.views import callback_uri

    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**directives, "form-action": ["'self'"]}}
    url = oauth.authorize_url(state="acme.abcdefghijklmnopqrstuvwxyz", redirect_uri=callback_uri())
    response = client.get(url.replace(settings.SITE_URL, ""))
    assert response.status_code == 200
    form_action = next(d for d in response["Content-Security-Policy"].split(";") if "form-action" in d)
    assert form_action.split() == ["form-action", "'self'", settings.SITE_URL]
