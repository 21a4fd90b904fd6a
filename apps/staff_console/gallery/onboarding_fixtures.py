"""OnboardingWizard fixtures: each step of the set-up wizard, fresh and with errors.

The context is what onboarding.views._common.render_step builds (progress,
the progress indicator from the real ``step_states``, back link), around an
unsaved ``OnboardingProgress`` with fixed answers, plus each step's own forms
(bound with bad input for the error states).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from apps.onboarding.flow import previous_step
from apps.onboarding.forms import (
    BusinessDetailsForm,
    IdentifiersForm,
    StaffReviewRequestForm,
    TeamInviteForm,
    VatSchemeForm,
)
from apps.onboarding.models import OnboardingProgress, Step
from apps.onboarding.selectors import step_states
from apps.onboarding.views._common import step_url
from apps.staff_console.gallery.fixtures import GALLERY_TENANT_ID
from apps.staff_console.gallery.registry import Component, register
from apps.tenancy.models import Tenant

STARTED = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
BUSINESS = {"legal_name": "Hollybush Bakery Ltd", "trading_name": "Hollybush", "address_line_1": "3 Mill Lane",
            "address_line_2": "", "town": "Hexham", "postcode": "NE46 1AB", "phone": "01434 600000"}  # fmt: skip


def _tenant():
    return Tenant(
        id=GALLERY_TENANT_ID, name="Hollybush Bakery Ltd", slug="gallery-hollybush", vat_number="980780684",
        company_number="09876543", status=Tenant.Status.ONBOARDING,
    )  # fmt: skip


def _progress(done: tuple[str, ...], **fields):
    return OnboardingProgress(
        tenant_id=GALLERY_TENANT_ID, started_at=STARTED, data={"business": BUSINESS},
        completed_steps={step: STARTED.isoformat() for step in done}, **fields,
    )  # fmt: skip


def _step(step: str, done: tuple[str, ...], extra: dict[str, Any], **progress_fields) -> dict[str, Any]:

    tenant = _tenant()
    progress = _progress(done, **progress_fields)
    back = previous_step(step)
    return {
        "current_tenant": tenant,
        "tenant": tenant,
        "progress": progress,
        "steps": step_states(progress),
        "step": step,
        "step_label": Step(step).label,
        "back_url": step_url(tenant.slug, back) if back else None,
        "back_label": Step(back).label if back else "",
        "gallery_template": f"onboarding/{step}.html",  # each step has its own template, as render_step picks
        **extra,
    }


ALL_BEFORE = {
    "business": (),
    "identifiers": ("business",),
    "kyc": ("business", "identifiers"),
    "hmrc": ("business", "identifiers", "kyc"),
    "vat": ("business", "identifiers", "kyc", "hmrc"),
    "team": ("business", "identifiers", "kyc", "hmrc", "vat"),
    "documents": ("business", "identifiers", "kyc", "hmrc", "vat", "team"),
    "done": ("business", "identifiers", "kyc", "hmrc", "vat", "team", "documents"),
}


def business() -> dict[str, Any]:

    return _step("business", (), {"form": BusinessDetailsForm(initial={"legal_name": "Hollybush Bakery Ltd"})})


def business_errors() -> dict[str, Any]:

    form = BusinessDetailsForm({**BUSINESS, "legal_name": "", "postcode": "NOT A POSTCODE", "town": ""})
    form.is_valid()
    return _step("business", (), {"form": form})


def identifiers_errors() -> dict[str, Any]:

    form = IdentifiersForm({"vat_number": "GB123456789", "company_number": "12"})
    form.is_valid()
    return _step("identifiers", ALL_BEFORE["identifiers"], {"form": form})


def _kyc(**progress_fields) -> dict[str, Any]:
    extra = {"review_form": StaffReviewRequestForm(), "can_request_review": True,
             "declared_name": BUSINESS["legal_name"], "can_continue": False, "next_url": None}  # fmt: skip
    return _step("kyc", ALL_BEFORE["kyc"], extra, **progress_fields)


def kyc_pending() -> dict[str, Any]:
    context = _kyc(kyc_status="pending")
    context["can_request_review"] = False
    return context


def kyc_failed() -> dict[str, Any]:
    return _kyc(
        kyc_status="failed", kyc_name_checked="Hollybush Bakery Ltd",
        kyc_reasons=["The name you gave does not match the name Companies House has for 09876543."],
        kyc_profile={"company_name": "HOLLYBUSH BAKERIES (NORTH) LIMITED", "company_status": "active"},
    )  # fmt: skip


def hmrc_not_connected() -> dict[str, Any]:
    here = "/t/gallery-hollybush/onboarding/hmrc/"
    extra = {"connection": None, "connected": False,
             "connect_action": f"/t/gallery-hollybush/integrations/hmrc/connect/?next={here}"}  # fmt: skip
    return _step("hmrc", ALL_BEFORE["hmrc"], extra)


def vat_errors() -> dict[str, Any]:

    form = VatSchemeForm({"scheme": "", "stagger": "", "first_period_start": "31/02/2026"})
    form.is_valid()
    return _step("vat", ALL_BEFORE["vat"], {"form": form})


def team_errors() -> dict[str, Any]:

    form = TeamInviteForm({"email": "not-an-email", "role": "bookkeeper"})
    form.is_valid()
    return _step("team", ALL_BEFORE["team"], {"form": form, "invitations": []})


def documents() -> dict[str, Any]:
    return _step("documents", ALL_BEFORE["documents"], {"max_mb": 20, "max_pages": 50})


def done_with_blockers() -> dict[str, Any]:
    blockers = ["The Companies House check is waiting for Strongroom staff."]
    return _step("done", ALL_BEFORE["done"], {"blockers": blockers})


register(
    Component(
        slug="onboarding-wizard",
        title="OnboardingWizard",
        template="onboarding/_wizard.html",  # the layout; each state names its step's template
        description="The set-up wizard, step by step: progress indicator, back link, the step's form and errors.",
        states={
            "business": business,
            "business-errors": business_errors,
            "identifiers-errors": identifiers_errors,
            "kyc-pending": kyc_pending,
            "kyc-failed": kyc_failed,
            "hmrc-not-connected": hmrc_not_connected,
            "vat-errors": vat_errors,
            "team-errors": team_errors,
            "documents": documents,
            "done-with-blockers": done_with_blockers,
        },
    )
)
