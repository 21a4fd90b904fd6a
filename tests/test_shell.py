"""The page shell: base layout, staff layout, components and error pages.

Templates are rendered directly (RequestFactory + the real context processors)
so these tests do not depend on any particular view; one test goes through the
full middleware stack to check the CSP nonce end to end.
"""

from __future__ import annotations

import re

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.cookie import CookieStorage
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import resolve

from apps.tenancy.models import Membership, Role
from tests.factories import MembershipFactory

SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def make_request(path: str = "/", user=None, tenant=None, membership=None):
    request = RequestFactory().get(path)
    request.user = user if user is not None else AnonymousUser()
    request.tenant = tenant
    request.membership = membership
    request._messages = CookieStorage(request)
    try:
        request.resolver_match = resolve(path)
    except Exception:
        request.resolver_match = None
    return request


def render(template: str, request=None, context: dict | None = None) -> str:
    return render_to_string(template, context or {}, request=request if request is not None else make_request())


def assert_csp_clean(html: str) -> None:
    """Nothing the strict CSP would block: no inline styles, no un-nonced inline scripts, nothing external."""
    assert "style=" not in html.replace("stylesheet", "")
    assert "<style" not in html
    for tag in SCRIPT_TAG.findall(html):
        src = re.search(r'\bsrc="([^"]*)"', tag)
        assert "nonce=" in tag or (src and src.group(1).startswith("/static/")), tag
        if src:
            assert src.group(1).startswith("/static/"), tag
    # No CDN, no web fonts: every URL in src/href attributes is same-origin.
    for url in re.findall(r'\b(?:src|href)="([^"]*)"', html):
        assert not url.startswith(("http:", "https:", "//")), url


@pytest.mark.django_db
def test_anonymous_shell_has_landmarks_and_only_the_brand():
    html = render("base.html")

    assert '<a class="skip-link" href="#main">' in html
    assert '<header role="banner"' in html
    assert '<main id="main" tabindex="-1"' in html
    assert "<footer" in html
    assert ">Strongroom</span>" in html
    assert 'href="/"' in html
    # Anonymous users see the brand only: no menus, no business nav, no logout form.
    assert "Sign out" not in html
    assert 'aria-label="Business"' not in html
    assert "data-menu" not in html
    assert_csp_clean(html)


@pytest.mark.django_db
def test_htmx_is_vendored_configured_and_sent_the_csrf_token(settings):
    html = render("base.html")

    assert '<script src="/static/vendor/htmx/htmx.min.js" defer nonce=' in html
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, "allowEval": false}\'>' in html
    assert re.search(r"""hx-headers='\{"X-CSRFToken": "[A-Za-z0-9]+"\}'""", html)

    vendored = settings.BASE_DIR / "static" / "vendor" / "htmx"
    assert (vendored / "htmx.min.js").stat().st_size > 10_000
    assert (vendored / "LICENSE").exists()
    assert "htmx" in (settings.BASE_DIR / "static" / "vendor" / "README.md").read_text()


@pytest.mark.django_db
def test_member_sees_business_nav_switcher_and_user_menu(tenant_a, tenant_b):
    member = MembershipFactory(tenant=tenant_a, role=Role.OWNER)
    MembershipFactory(tenant=tenant_b, user=member.user, role=Role.VIEWER)
    request = make_request("/t/aldgate-joinery/team/", user=member.user, tenant=tenant_a, membership=member)

    html = render("base.html", request)

    assert '<nav aria-label="Business"' in html
    assert 'href="/t/aldgate-joinery/"' in html
    assert '<a href="/t/aldgate-joinery/team/" aria-current="page">Team</a>' in html
    assert 'href="/t/aldgate-joinery/settings/"' in html
    # Switcher lists both businesses, the current one marked.
    assert re.search(r'href="/t/aldgate-joinery/" aria-current="page">\s*<span>Aldgate Joinery Ltd</span>', html)
    assert re.search(r'href="/t/bramley-florists/">\s*<span>Bramley Florists Ltd</span>', html)
    assert "Viewer" in html and "Owner" in html
    # User menu: email, 2FA, POST-only logout with a CSRF token, no staff link.
    assert member.user.email in html
    assert 'href="/accounts/2fa/"' in html
    logout = r'<form method="post" action="/accounts/logout/"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"'
    assert re.search(logout, html)
    assert "/staff/" not in html
    assert_csp_clean(html)


@pytest.mark.django_db
def test_staff_user_gets_the_staff_console_link(staff_user):
    html = render("base.html", make_request(user=staff_user))

    assert 'href="/staff/"' in html
    assert "Staff console" in html
    # No memberships: no switcher, and no business nav outside a tenant.
    assert "Your businesses" not in html
    assert 'aria-label="Business"' not in html


@pytest.mark.django_db
def test_staff_layout_has_its_own_nav_and_marker(staff_user):
    html = render("staff_base.html", make_request("/staff/", user=staff_user))

    assert 'class="staff"' in html
    assert 'class="staff-bar"' in html
    assert '<nav aria-label="Staff console"' in html
    assert '<a href="/staff/" aria-current="page">Console</a>' in html
    for href, label in [("/staff/tenants/", "Tenants"), ("/staff/audit/", "Audit log"), ("/admin/", "Django admin")]:
        assert f'<a href="{href}">{label}</a>' in html
    assert_csp_clean(html)


@pytest.mark.django_db
def test_messages_are_announced_errors_assertively():
    request = make_request()
    request._messages.add(message_levels.SUCCESS, "Saved your settings.")
    request._messages.add(message_levels.ERROR, "That file is too large.")

    html = render("base.html", request)

    status = html.index('role="status"')
    alert = html.index('role="alert"')
    assert status < html.index("Saved your settings.") < alert < html.index("That file is too large.")
    assert '<li class="success">' in html and '<li class="error">' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "heading"),
    [
        (400, "This request could not be processed"),
        (403, "You don\u2019t have access"),
        (404, "Page not found"),
        (500, "Something went wrong on our side"),
    ],
)
def test_error_pages_render_their_message(code, heading):
    html = render(f"errors/{code}.html", context={"message": f"Distinctive message {code}."})

    assert f"<h1>{heading}</h1>" in html
    assert f"Distinctive message {code}." in html
    assert 'href="/"' in html
    assert '<main id="main"' in html
    assert_csp_clean(html)


def test_500_renders_with_an_empty_context_and_no_request():
    # No database marker: any query would fail the test.
    html = render_to_string("errors/500.html", {})

    assert "<h1>Something went wrong on our side</h1>" in html
    assert "alerted" in html
    assert "Traceback" not in html
    assert_csp_clean(html)


@pytest.mark.django_db
def test_500_touches_no_database_even_for_a_signed_in_member(tenant_a, django_assert_num_queries):
    member = MembershipFactory(tenant=tenant_a)
    request = make_request(user=member.user, tenant=tenant_a, membership=member)

    with django_assert_num_queries(0):
        html = render("errors/500.html", request, {"message": "Something went wrong on our side."})

    assert member.user.email not in html
    assert "Sign out" not in html


@pytest.mark.django_db
def test_404_through_the_full_stack_carries_the_csp_nonce(client):
    response = client.get("/definitely-not-a-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    csp = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    scripts = SCRIPT_TAG.findall(html)
    assert scripts
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert_csp_clean(html)


class SampleForm(forms.Form):
    vat_number = forms.CharField(label="VAT registration number", help_text="Nine digits.")
    nickname = forms.CharField(required=False)
    agree = forms.BooleanField(label="I agree")


def test_form_field_wires_label_help_and_errors():
    form = SampleForm(data={"vat_number": ""})
    html = render_to_string("components/form_field.html", {"field": form["vat_number"]})

    assert '<label for="id_vat_number">VAT registration number</label>' in html
    assert '<p class="help" id="id_vat_number_helptext">Nine digits.</p>' in html
    assert 'id="id_vat_number_error"' in html
    assert "This field is required." in html
    assert 'aria-describedby="id_vat_number_helptext id_vat_number_error"' in html
    assert 'aria-invalid="true"' in html
    assert "field-invalid" in html

    optional = render_to_string("components/form_field.html", {"field": SampleForm()["nickname"]})
    assert "(optional)" in optional
    assert "aria-invalid" not in optional

    checkbox = render_to_string("components/form_field.html", {"field": form["agree"]})
    checkbox_then_label = r'<input type="checkbox"[^>]*id="id_agree"[^>]*>\s*<label for="id_agree">I agree</label>'
    assert re.search(checkbox_then_label, checkbox)


def test_error_summary_links_to_fields():
    form = SampleForm(data={})
    form.is_valid()
    html = render_to_string("components/error_summary.html", {"form": form})

    assert 'role="alert"' in html
    assert 'href="#id_vat_number"' in html
    assert render_to_string("components/error_summary.html", {"form": SampleForm()}).strip() == ""


def test_empty_state_component():
    html = render_to_string(
        "components/empty_state.html",
        {"title": "No documents yet", "text": "Upload a receipt.", "action_url": "/up/", "action_label": "Upload"},
    )

    assert '<div class="empty-state">' in html
    assert "<h2>No documents yet</h2>" in html
    assert '<a class="button button-primary" href="/up/">Upload</a>' in html
    assert "style=" not in html


@pytest.mark.django_db
def test_switcher_is_hidden_without_memberships(user):
    assert not Membership.objects.filter(user=user).exists()
    html = render("base.html", make_request(user=user))

    assert "Your businesses" not in html
    assert user.email in html
