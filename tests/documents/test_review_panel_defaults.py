"""The review panel's defaults: a postable account chosen, control accounts not offered, "remember" unticked."""

from __future__ import annotations

import re

import pytest

from apps.documents.models import DocumentState
from apps.ledger.models import SYSTEM_ACCOUNT_CODES
from tests.documents.test_review import chart, extraction, form, review_url  # noqa: F401 (fixture)
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def _waiting(tenant, classification: dict):
    return DocumentFactory(
        tenant=tenant, state=DocumentState.NEEDS_REVIEW, extraction=extraction(), classification=classification
    )


def _account_select(body: str) -> str:
    return re.search(r'<select name="account_code".*?</select>', body, re.S).group(0)


def _selected(select: str) -> str:
    return re.search(r'<option value="(\d+)"[^>]*selected', select).group(1)


@pytest.mark.parametrize(
    ("classification", "expected"),
    [
        ({"account_code": "461", "vat_treatment": "standard"}, "461"),  # the proposal
        ({"account_code": None, "vat_treatment": "standard"}, "429"),  # no proposal: general expenses, not the bank
        ({"account_code": "090", "vat_treatment": "standard"}, "429"),  # a proposal posting would refuse
    ],
)
def test_the_account_starts_on_a_postable_account(client, bookkeeper_a, tenant_a, chart, classification, expected):  # noqa: F811
    client.force_login(bookkeeper_a)
    body = client.get(review_url(tenant_a, _waiting(tenant_a, classification))).content.decode()
    select = _account_select(body)
    assert _selected(select) == expected
    offered = set(re.findall(r'<option value="(\d+)"', select))
    assert offered and not offered & SYSTEM_ACCOUNT_CODES


def test_remember_for_the_supplier_starts_unticked(client, bookkeeper_a, tenant_a, chart):  # noqa: F811
    client.force_login(bookkeeper_a)
    document = _waiting(tenant_a, {"account_code": "461", "vat_treatment": "standard"})
    body = client.get(review_url(tenant_a, document)).content.decode()
    learn = re.search(r'<input type="checkbox" name="learn"[^>]*>', body).group(0)
    assert "checked" not in learn
    # Shown again after an error, the box keeps what the person chose.
    again = client.post(review_url(tenant_a, document), form(gross="999.00", learn="on")).content.decode()
    assert "checked" in re.search(r'<input type="checkbox" name="learn"[^>]*>', again).group(0)
