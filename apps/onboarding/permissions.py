"""Who may run the onboarding wizard: owners only.

Decision: the wizard sets what only an owner may set elsewhere (business
details and identifiers: ``can_change_settings``; the team: ``can_manage_team``;
the HMRC connection and the VAT approval rule), and it ends by making the
business active. So a bookkeeper, accountant or viewer of a business in
onboarding gets a 403 with a message saying an owner must finish it; another
business's user never gets this far (the tenant middleware answers 404).
"""

from __future__ import annotations

from apps.tenancy.models import Membership, Role

NOT_OWNER_MESSAGE = "Only an owner of this business can set it up. Ask the owner to finish onboarding."


def can_run_onboarding(membership: Membership | None) -> bool:
    return membership is not None and membership.role == Role.OWNER
