"""/staff/security/ and a business's security page: who sees them, live figures, evidence, no leak."""

from __future__ import annotations

import pytest

from tests.conftest import make_member
from tests.factories.permissions import make_staff

pytestmark = pytest.mark.django_db

STAFF = "/staff/security/"


def _row(content: str, check_id: str) -> str:
    start = content.index(f'data-check="{check_id}"')
    return content[start : content.index("</tr>", start)]


def test_a_security_officer_sees_every_check_and_the_checklist(verified_client, tenant_a, owner_a, registry):
    registry.pop("secrets.backend", None)  # another helper's check: absent here, so it must say so
    officer = make_staff("security_officer")
    client = verified_client(officer)
    response = client.get(STAFF)
    assert response.status_code == 200
    content = response.content.decode()
    for check_id in ("access.two_factor", "access.reviews", "audit.chain", "backups.status", "secrets.backend"):
        assert f'data-check="{check_id}"' in content
    assert "1 without a confirmed second factor: 0 staff and 1 owner(s)" in _row(content, "access.two_factor")
    assert 'data-status="unknown"' in _row(content, "secrets.backend")
    assert "not registered" in _row(content, "secrets.backend")
    assert 'data-control="GDPR Art. 33"' in content and "No automated check" in content
    assert 'href="/staff/security/evidence/access.two_factor/"' in content


def test_the_staff_evidence_page_and_its_csv(verified_client, tenant_a, owner_a):
    client = verified_client(make_staff("platform_admin"))
    page = client.get(f"{STAFF}evidence/access.two_factor/")
    assert page.status_code == 200 and owner_a.email in page.content.decode()
    csv = client.get(f"{STAFF}evidence/access.two_factor/?format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines() == ["Email,Must use 2FA as", f"{owner_a.email},business owner"]
    assert client.get(f"{STAFF}evidence/no.such/").status_code == 404


def test_support_staff_may_not_open_the_security_center(verified_client):
    client = verified_client(make_staff("support"))
    assert client.get(STAFF).status_code == 403
    assert client.get(f"{STAFF}evidence/access.two_factor/").status_code == 403


def test_an_owner_sees_their_business_figures_and_never_another_business(verified_client, tenant_a, tenant_b, owner_a):
    for _ in range(3):
        make_member(tenant_b, "owner")  # three owners without a device in the other business
    co_owner = make_member(tenant_a, "owner")  # the one owner of this business without a device
    client = verified_client(owner_a)
    response = client.get(f"/t/{tenant_a.slug}/settings/security/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "1 without a confirmed second factor: 1 owner(s)" in _row(content, "access.two_factor")
    assert 'data-check="access.reviews"' not in content  # a platform check
    assert "Businesses (last run)" not in content
    evidence = client.get(f"/t/{tenant_a.slug}/settings/security/evidence/access.two_factor/").content.decode()
    assert co_owner.email in evidence
    for other in tenant_b.memberships.select_related("user"):
        assert other.user.email not in content and other.user.email not in evidence
    assert client.get(f"/t/{tenant_a.slug}/settings/security/evidence/access.reviews/").status_code == 404
    # The other business's page is not theirs to open.
    assert client.get(f"/t/{tenant_b.slug}/settings/security/").status_code in (403, 404)


def test_a_bookkeeper_may_not_open_the_business_page(verified_client, tenant_a, bookkeeper_a):
    client = verified_client(bookkeeper_a)
    assert client.get(f"/t/{tenant_a.slug}/settings/security/").status_code == 403


def test_the_settings_page_links_the_security_page_for_owners_only(verified_client, tenant_a, owner_a, bookkeeper_a):
    link = f'href="/t/{tenant_a.slug}/settings/security/"'
    assert link in verified_client(owner_a).get(f"/t/{tenant_a.slug}/settings/").content.decode()
    client = verified_client(bookkeeper_a)
    assert link not in client.get(f"/t/{tenant_a.slug}/settings/").content.decode()
