"""Steps 5 to 7: VAT scheme and stagger, team invitations, the first document.

Each goes through the owning app's service (filing, tenancy, documents), which
validates and audits its own change; onboarding records its step on top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.documents.services.upload import receive_uploads
from apps.filing.errors import FilingError
from apps.integrations.errors import IntegrationError
from apps.onboarding import external
from apps.onboarding.errors import OnboardingError
from apps.onboarding.models import OnboardingProgress, Step
from apps.onboarding.services.progress import (
    complete_optional_step,
    complete_step,
    locked_progress,
    record_step_data,
    require_open,
    start_onboarding,
)
from apps.tenancy.errors import TenancyError
from apps.tenancy.models import Invitation, Tenant
from apps.tenancy.services import invite_member

if TYPE_CHECKING:
    from apps.documents.services.upload import IncomingFile, UploadBatch


@dataclass(frozen=True)
class VatStepOutcome:
    progress: OnboardingProgress
    obligations: int | None  # None: HMRC could not be asked; they are synced later
    warning: str = ""


def save_vat_step(
    *,
    tenant: Tenant,
    actor,
    scheme: str,
    stagger: str,
    first_period_start: date,
    four_eyes: bool,
    initiator=None,
) -> VatStepOutcome:
    """Save the VAT settings (filing's service), then fetch the obligations from HMRC if it answers.

    HMRC being away does not undo the settings: the step completes and says
    the periods will appear once HMRC answers (filing syncs them again later).
    ``initiator`` is the person's (their browser facts for HMRC's headers);
    without it the periods are not fetched now, and the step says so.
    """
    progress = start_onboarding(tenant=tenant, actor=actor)
    require_open(progress, Step.VAT)
    try:
        external.save_vat_settings(tenant=tenant, actor=actor, scheme=scheme, stagger=stagger,
                                   first_period_start=first_period_start, four_eyes=four_eyes)  # fmt: skip
    except (FilingError, ValidationError) as exc:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        raise OnboardingError(message) from exc
    obligations: int | None = None
    warning = ""
    try:
        obligations = len(external.sync_obligations(tenant=tenant, actor=actor, initiator=initiator))
    except IntegrationError as exc:
        warning = (f"Your VAT settings are saved, but we could not fetch your VAT periods from HMRC: {exc.message} "
                   "They will appear on the VAT page once HMRC answers.")  # fmt: skip
    except FilingError as exc:
        warning = f"Your VAT settings are saved, but we could not fetch your VAT periods: {exc}"
    data = {"scheme": scheme, "stagger": stagger, "first_period_start": first_period_start.isoformat(),
            "four_eyes": four_eyes, "obligations_synced": obligations is not None,
            "obligations": obligations}  # fmt: skip
    with transaction.atomic():
        progress = locked_progress(tenant, actor=actor)
        complete_step(progress, Step.VAT, actor=actor, data=data)
    return VatStepOutcome(progress=progress, obligations=obligations, warning=warning)


def invite_team_member(*, tenant: Tenant, actor, email: str, role: str) -> tuple[Invitation, str]:
    """Through tenancy's invitation service (audited there); remembered on the step. Returns (invitation, token)."""
    progress = start_onboarding(tenant=tenant, actor=actor)
    require_open(progress, Step.TEAM)
    try:
        invitation, token = invite_member(tenant=tenant, email=email, role=role, actor=actor)
    except TenancyError as exc:
        raise OnboardingError(str(exc)) from exc
    invited = [
        item for item in progress.step_data(Step.TEAM).get("invited", []) if item.get("email") != invitation.email
    ]
    invited.append({"email": invitation.email, "role": invitation.role})
    record_step_data(tenant=tenant, actor=actor, step=Step.TEAM, data={"invited": invited})
    return invitation, token


def upload_first_documents(*, tenant: Tenant, actor, uploads: Sequence[IncomingFile]) -> UploadBatch:
    """Step 7: the files go through the documents upload entry point; the step completes once one is stored.

    Raises ``UploadRejected`` (no file, too many) like the documents page;
    each file refused on its own is in the batch's ``refused``.
    """

    progress = start_onboarding(tenant=tenant, actor=actor)
    require_open(progress, Step.DOCUMENTS)
    batch = receive_uploads(tenant=tenant, uploads=uploads, uploaded_by=actor)
    if batch.stored:
        previous = progress.step_data(Step.DOCUMENTS).get("uploaded", 0)
        complete_optional_step(tenant=tenant, actor=actor, step=Step.DOCUMENTS,
                               data={"uploaded": previous + len(batch.stored)}, skipped=False)  # fmt: skip
    return batch


def finish_team_step(*, tenant: Tenant, actor) -> OnboardingProgress:
    progress = start_onboarding(tenant=tenant, actor=actor)
    invited = progress.step_data(Step.TEAM).get("invited", [])
    return complete_optional_step(tenant=tenant, actor=actor, step=Step.TEAM, data={}, skipped=not invited)


def skip_documents_step(*, tenant: Tenant, actor) -> OnboardingProgress:
    return complete_optional_step(tenant=tenant, actor=actor, step=Step.DOCUMENTS, data={}, skipped=True)
