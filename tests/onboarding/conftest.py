"""Fixtures for the onboarding tests: a business in onboarding, its owner signed in, stand-ins for the
external calls (Companies House, HMRC connection, obligations) where a test is about the wizard's own logic.

The sandbox-backed tests (test_with_sandbox.py) use the real integrations client instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.onboarding import external
from apps.onboarding.models import Step
from apps.onboarding.services import kyc as kyc_services
from apps.onboarding.services import later_steps
from apps.onboarding.services import progress as services
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Role, Tenant
from tests.conftest import make_member
from tests.factories import TenantFactory

LEGAL_NAME = "Brightwater Joinery Ltd"
COMPANY_NUMBER = "09876543"
VRN = "123456727"
BUSINESS = {
    "legal_name": LEGAL_NAME, "trading_name": "", "address_line_1": "4 Mill Lane", "address_line_2": "",
    "town": "Leeds", "postcode": "LS1 4AB", "phone": "",
}  # fmt: skip


@dataclass(frozen=True)
class FakeProfile:
    """The shape of apps.integrations.companies_house.CompanyProfile."""

    company_number: str = COMPANY_NUMBER
    company_name: str = "BRIGHTWATER JOINERY LIMITED"
    company_status: str = "active"
    company_type: str = "ltd"
    date_of_creation: date | None = date(2015, 9, 1)
    registered_office_address: dict = field(default_factory=lambda: {"postal_code": "LS1 4AB"})


@pytest.fixture
def new_business(db):
    return TenantFactory(name="Brightwater", slug="brightwater", status=Tenant.Status.ONBOARDING,
                         vat_number="", company_number="")  # fmt: skip


@pytest.fixture
def owner(new_business):
    return make_member(new_business, Role.OWNER, full_name="Olive Owner")


@pytest.fixture
def owner_client(verified_client, owner):
    return verified_client(owner)


@pytest.fixture
def url(new_business):
    def build(name: str, **kwargs) -> str:
        return reverse(f"onboarding:{name}", kwargs={"tenant_slug": new_business.slug, **kwargs})

    return build


class FakeCompaniesHouse:
    """Answers like the integrations client: a profile, or one of its errors."""

    def __init__(self) -> None:
        self.answer: object = FakeProfile()
        self.calls: list[str] = []

    def __call__(self, company_number: str):
        self.calls.append(company_number)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
def companies_house(monkeypatch) -> FakeCompaniesHouse:
    fake = FakeCompaniesHouse()
    monkeypatch.setattr(external, "company_profile", fake)
    return fake


@pytest.fixture
def hmrc(monkeypatch):
    """``hmrc.connect()`` / ``hmrc.disconnect()``: what integrations' connection_for would say."""
    state = SimpleNamespace(connection=None)

    def connect() -> None:
        state.connection = SimpleNamespace(
            status="connected", connected_at=timezone.now(), connected_by=None, scopes=["read:vat", "write:vat"]
        )

    state.connect = connect
    state.disconnect = lambda: setattr(state, "connection", None)
    monkeypatch.setattr(external, "hmrc_connection", lambda tenant: state.connection)
    return state


@pytest.fixture
def obligations(monkeypatch):
    """sync_obligations stand-in: returns ``.result`` or raises ``.error``."""
    from apps.integrations.hmrc.initiator import BrowserFactsMissing

    state = SimpleNamespace(result=["18A1", "18A2"], error=None, calls=0, initiators=[])

    def sync(*, tenant, actor, initiator):
        state.calls += 1
        state.initiators.append(initiator)
        if initiator is None:
            raise BrowserFactsMissing()  # as the real one: no call to HMRC without the browser's facts
        if state.error is not None:
            raise state.error
        return state.result

    monkeypatch.setattr(external, "sync_obligations", sync)
    return state


def vat_period_start() -> date:
    """The first day of the current stagger-1 quarter (Jan/Apr/Jul/Oct)."""
    today = timezone.localdate()
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


@pytest.fixture
def advance(new_business, owner, companies_house, hmrc, obligations):
    """``advance(upto)``: complete every step before ``upto`` through the services."""

    def run(upto: str) -> None:
        tenant, order = new_business, list(Step.values)
        todo = order[: order.index(upto)]
        with tenant_context(tenant):
            services.start_onboarding(tenant=tenant, actor=owner)
            if Step.BUSINESS in todo:
                services.save_business_details(tenant=tenant, actor=owner, details=BUSINESS)
            if Step.IDENTIFIERS in todo:
                services.save_identifiers(tenant=tenant, actor=owner, vat_number=VRN, company_number=COMPANY_NUMBER)
            if Step.KYC in todo:
                kyc_services.run_kyc_check(tenant=tenant, actor=owner)
            if Step.HMRC in todo:
                hmrc.connect()
                services.complete_hmrc_step(tenant=tenant, actor=owner, connected=True)
            if Step.VAT in todo:
                later_steps.save_vat_step(tenant=tenant, actor=owner, scheme="standard", stagger="stagger_1",
                                          first_period_start=vat_period_start(), four_eyes=False)  # fmt: skip
            if Step.TEAM in todo:
                later_steps.finish_team_step(tenant=tenant, actor=owner)
            if Step.DOCUMENTS in todo:
                later_steps.skip_documents_step(tenant=tenant, actor=owner)

    return run


def progress_of(tenant):
    from apps.onboarding.models import OnboardingProgress

    with tenant_context(tenant):
        progress = OnboardingProgress.objects.get(tenant=tenant)
        # The sealed answers and notes open only inside the tenant's context (decision 0025): open them here.
        _ = progress.data, progress.kyc_reasons, progress.review_note, progress.review_decision_note
        return progress
