"""Wizard pages, one module per half of the wizard; names re-exported for urls.py."""

from apps.onboarding.views.later import (
    documents,
    documents_skip,
    documents_upload,
    done,
    finish,
    team,
    team_continue,
    team_invite,
    vat,
)
from apps.onboarding.views.steps import (
    business,
    hmrc,
    hmrc_continue,
    identifiers,
    kyc,
    kyc_check,
    kyc_review,
    wizard_home,
)

__all__ = [
    "business",
    "documents",
    "documents_skip",
    "documents_upload",
    "done",
    "finish",
    "hmrc",
    "hmrc_continue",
    "identifiers",
    "kyc",
    "kyc_check",
    "kyc_review",
    "team",
    "team_continue",
    "team_invite",
    "vat",
    "wizard_home",
]
