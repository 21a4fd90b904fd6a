"""The component gallery: every state renders for verified staff, from fixtures only; nobody else sees it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.staff_console.gallery.registry import COMPONENTS, all_states

pytestmark = pytest.mark.django_db


def test_the_review_panel_has_the_states_the_visual_suite_needs():
    states = set(COMPONENTS["document-review-panel"].states)
    assert {"high-confidence", "low-confidence", "arithmetic-mismatch", "duplicate"} <= states


def test_the_filing_control_tower_has_tenant_and_staff_states():
    assert {"empty", "overdue", "rejected"} <= set(COMPONENTS["filing-control-tower"].states)
    assert {"overview", "empty"} <= set(COMPONENTS["filing-control-tower-staff"].states)


def test_index_links_every_state(staff_user, verified_client):
    response = verified_client(staff_user).get(reverse("staff:components"))
    assert response.status_code == 200
    for component, state in all_states():
        assert reverse("staff:component-state", kwargs={"component": component, "state": state}).encode() in (
            response.content
        )


@pytest.mark.parametrize(("component", "state"), all_states())
def test_every_state_renders_without_touching_the_database(staff_user, verified_client, component, state,
                                                           django_assert_max_num_queries):  # fmt: skip
    client = verified_client(staff_user)
    url = reverse("staff:component-state", kwargs={"component": component, "state": state})
    with django_assert_max_num_queries(12):  # session, user, device, memberships: none for the fixtures
        response = client.get(url)
    assert response.status_code == 200
    expected = COMPONENTS[component].states[state]().get("gallery_template", COMPONENTS[component].template)
    assert response.templates[0].name == expected


def test_review_states_show_what_they_are_about(staff_user, verified_client):
    client = verified_client(staff_user)

    def page(state: str) -> str:
        url = reverse("staff:component-state", kwargs={"component": "document-review-panel", "state": state})
        return client.get(url).content.decode()

    assert "low-confidence" in page("low-confidence") and "badge-warn" in page("low-confidence")
    assert "badge-warn" not in page("high-confidence")
    mismatch = page("arithmetic-mismatch")
    assert "do not add up" in mismatch and "is £48.00, not the total £50.00" in mismatch
    assert "Possibly the same bill as" in page("duplicate")
    assert "Only owners, accountants and bookkeepers can approve" in page("read-only")


def test_filing_states_show_what_they_are_about(staff_user, verified_client):
    client = verified_client(staff_user)

    def page(component: str, state: str) -> str:
        url = reverse("staff:component-state", kwargs={"component": component, "state": state})
        return client.get(url).content.decode()

    assert "No VAT periods yet" in page("filing-control-tower", "empty")
    overdue = page("filing-control-tower", "overdue")
    assert "Overdue" in overdue and "123456789012" in overdue and "£3,150.00" in overdue
    assert "Rejected" in page("filing-control-tower", "rejected")
    staff = page("filing-control-tower-staff", "overview")
    assert 'data-risk="rejected"' in staff and 'data-risk="stuck"' in staff and "INVALID_MONETARY_AMOUNT" in staff
    assert "No periods match." in page("filing-control-tower-staff", "empty")


def test_wizard_states_show_each_step_and_its_errors(staff_user, verified_client):
    client = verified_client(staff_user)

    def page(state: str) -> str:
        url = reverse("staff:component-state", kwargs={"component": "onboarding-wizard", "state": state})
        return client.get(url).content.decode()

    assert 'aria-current="step"' in page("business")
    assert "error" in page("business-errors") and "NOT A POSTCODE" in page("business-errors")
    assert "The check did not pass" in page("kyc-failed")
    assert "Connect to HMRC" in page("hmrc-not-connected")
    assert "Before you can finish" in page("done-with-blockers")
    assert set(COMPONENTS["onboarding-wizard"].states) >= {
        "business",
        "identifiers-errors",
        "kyc-failed",
        "hmrc-not-connected",
        "vat-errors",
        "team-errors",
        "documents",
        "done-with-blockers",
    }


def test_unknown_component_or_state_is_404(staff_user, verified_client):
    client = verified_client(staff_user)
    assert client.get("/staff/components/document-review-panel/no-such-state/").status_code == 404
    assert client.get("/staff/components/no-such-component/x/").status_code == 404


def test_not_for_people_who_are_not_verified_staff(client, bookkeeper_a, staff_user):
    assert client.get("/staff/components/").status_code == 302  # anonymous: to the sign-in page
    client.force_login(bookkeeper_a)
    assert client.get("/staff/components/").status_code == 403
    client.force_login(staff_user)  # staff, but no second factor in this session: sent to verify, not shown
    response = client.get("/staff/components/document-review-panel/duplicate/")
    assert response.status_code in (302, 403)
    assert b"Possibly the same bill" not in response.content
