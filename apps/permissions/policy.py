"""Every named permission, declared once: who may, on what conditions, and what they are told when not.

Read it as a table. A row grants a permission to members of the object's
business in the listed roles, or to staff (by staff role, for platform
actions; by an approved elevation, read-only, inside a business). The
conditions then all have to hold: the business is open, the session is
2FA-verified when the action commits the business to HMRC, the object's own
attributes allow it (four-eyes). The superuser flag appears nowhere.

``check``/``require``/``refusal`` in ``apps.permissions`` are the only ways
to ask; the rules are held in a private ``RuleSet`` (not the shared one the
``rules`` authentication backend reads), so no backend can OR a grant past a
condition here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import rules

from apps.permissions import predicates as p
from apps.permissions.models import APPROVER_ROLES, StaffRole
from apps.tenancy.models import Role

EVERY_ROLE = frozenset(Role.values)
OWNER = frozenset({Role.OWNER})
OWNER_ACCOUNTANT = frozenset({Role.OWNER, Role.ACCOUNTANT})
OWNER_ACCOUNTANT_BOOKKEEPER = frozenset({Role.OWNER, Role.ACCOUNTANT, Role.BOOKKEEPER})

MFA_MESSAGE = "Sign in with two-factor authentication before {action}."
CLOSED_MESSAGE = "This business is suspended or closed: nothing can be changed in it."
FOUR_EYES_MESSAGE = "Four-eyes approval is on: someone other than the preparer must approve."


@dataclass(frozen=True)
class Rule:
    """One row of the policy.

    ``roles``: membership roles of the object's business that may.
    ``elevated_staff``: staff with an approved elevation to that business may too (read-only rows only).
    ``staff_roles``: platform rows (no business): staff holding one of these roles may.
    ``mfa``: a 2FA-verified session is required; ``action`` completes the message saying so.
    ``attributes``: object-attribute predicates, each with the refusal it explains.
    """

    message: str
    roles: frozenset[str] = frozenset()
    elevated_staff: bool = False
    staff_roles: frozenset[str] = frozenset()
    mfa: bool = False
    action: str = "doing that"
    attributes: tuple[tuple[Callable, str], ...] = field(default=())

    @property
    def in_business(self) -> bool:
        return not self.staff_roles


PERMISSIONS: dict[str, Rule] = {
    # --- reading a business: every member; staff only through an approved elevation ---------------------------
    "tenancy.view_business": Rule(
        roles=EVERY_ROLE, elevated_staff=True, message="You are not a member of this business."
    ),
    # Each member's own API tokens for the business.
    "tenancy.manage_own_api_tokens": Rule(roles=EVERY_ROLE, message="You are not a member of this business."),
    # --- the business itself -----------------------------------------------------------------------------------
    "tenancy.change_settings": Rule(roles=OWNER, message="Only an owner of this business can do that."),
    "tenancy.manage_team": Rule(roles=OWNER, message="Only an owner of this business can do that."),
    # The whole audit log (who did what, staff access included).
    "tenancy.read_audit_log": Rule(
        roles=OWNER_ACCOUNTANT, message="Only an owner or the accountant of this business can read its audit log."
    ),
    "onboarding.run_wizard": Rule(
        roles=OWNER, message="Only an owner of this business can set it up. Ask the owner to finish onboarding."
    ),
    # --- documents ---------------------------------------------------------------------------------------------
    "documents.upload": Rule(roles=OWNER_ACCOUNTANT_BOOKKEEPER, message="Viewers cannot upload documents."),
    # Approving, rejecting, archiving, restoring, reopening and re-running a document.
    "documents.review": Rule(roles=OWNER_ACCOUNTANT_BOOKKEEPER, message="Viewers cannot change documents."),
    # --- the ledger --------------------------------------------------------------------------------------------
    "ledger.manage_accounts": Rule(roles=OWNER, message="Only an owner of this business can do that."),
    "ledger.reverse_entry": Rule(
        roles=OWNER_ACCOUNTANT, message="Only an owner or the accountant can reverse entries."
    ),
    "ledger.post_journal": Rule(roles=OWNER_ACCOUNTANT, message="Only an owner or the accountant can post journals."),
    "ledger.handle_bank_lines": Rule(
        roles=OWNER_ACCOUNTANT_BOOKKEEPER,
        message="Only an owner, the accountant or the bookkeeper can handle bank lines.",
    ),
    # --- VAT filing --------------------------------------------------------------------------------------------
    # Reading obligations from HMRC, freezing figures for approval, sending a return back to draft.
    "filing.prepare_return": Rule(
        roles=OWNER_ACCOUNTANT_BOOKKEEPER, message="Only the owner, accountant or bookkeeper can do that."
    ),
    # Approval is a legal declaration to HMRC, and HMRC's multi-factor header says how the approver signed in.
    "filing.approve_return": Rule(
        roles=OWNER_ACCOUNTANT,
        mfa=True,
        action="approving a VAT return",
        attributes=((p.not_the_preparer, FOUR_EYES_MESSAGE),),
        message="Only the owner or the business's accountant can approve a return.",
    ),
    # Sending an approved return again ("Send now", retry after HMRC was unavailable).
    "filing.submit_return": Rule(
        roles=OWNER_ACCOUNTANT,
        mfa=True,
        action="sending a VAT return to HMRC",
        message="Only the owner or the business's accountant can do that.",
    ),
    "filing.change_settings": Rule(roles=OWNER, message="Only an owner of this business can change its VAT settings."),
    # --- integrations ------------------------------------------------------------------------------------------
    "integrations.connect_hmrc": Rule(
        roles=OWNER_ACCOUNTANT,
        mfa=True,
        action="connecting to HMRC",
        message="Only an owner or the accountant of this business can connect it to HMRC.",
    ),
    # --- backups (issue #16, H6): where a business's data lives and how it is backed up (hosts, bucket, repository)
    "backups.view_data_and_backups": Rule(
        roles=OWNER_ACCOUNTANT,
        message="Only an owner or the accountant of this business can see where its data and backups are kept.",
    ),
    # --- security center (issue #15, decision 0027): the business's security page (figures, evidence, checklist)
    "security.view_business_center": Rule(
        roles=OWNER, message="Only an owner of this business can see its security center."
    ),
    # --- privacy (issue #15, decision 0026): each member's own data export; the owner's business export/erasure --
    "privacy.use_privacy_page": Rule(roles=EVERY_ROLE, message="You are not a member of this business."),
    "privacy.manage_business_data": Rule(
        roles=OWNER,
        mfa=True,
        action="exporting or erasing the business's data",
        message="Only an owner of this business can export or erase its data.",
    ),
    # --- platform (no business): staff ---------------------------------------------------------------------------
    "staff.use_console": Rule(
        staff_roles=frozenset(StaffRole.values),
        mfa=True,
        action="using the staff console",
        message="The staff console needs a staff account with a staff role.",
    ),
    # Restore drills restore the whole database to a scratch cluster: a platform action (issue #16, H6).
    "staff.run_restore_drill": Rule(
        staff_roles=frozenset({StaffRole.PLATFORM_ADMIN, StaffRole.SECURITY_OFFICER}),
        mfa=True,
        action="running a restore drill",
        message="Only a platform administrator or a security officer can run a restore drill.",
    ),
    "permissions.approve_elevation": Rule(
        staff_roles=frozenset(r.value for r in APPROVER_ROLES),
        mfa=True,
        action="approving access",
        message="Only a security officer or a platform administrator can approve access.",
    ),
    # Security center (issue #15, decision 0027): every check's figure and evidence across the platform.
    "staff.view_security_center": Rule(
        staff_roles=frozenset({StaffRole.SECURITY_OFFICER, StaffRole.PLATFORM_ADMIN}),
        mfa=True,
        action="reading the security center",
        message="The security center is for security officers and platform administrators.",
    ),
    # Privacy (issue #15): opening requests for anyone, erasing with a reason, issuing download links.
    "staff.handle_privacy_requests": Rule(
        staff_roles=frozenset({StaffRole.SECURITY_OFFICER, StaffRole.PLATFORM_ADMIN}),
        mfa=True,
        action="handling privacy requests",
        message="Only a security officer or a platform administrator can handle access and erasure requests.",
    ),
    # H4 (chaos): the results of the chaos experiments, for the people who run the platform.
    "staff.view_chaos_runs": Rule(
        staff_roles=frozenset({StaffRole.SRE, StaffRole.PLATFORM_ADMIN}),
        mfa=True,
        action="reading the chaos experiment results",
        message="The chaos experiment results are for site reliability and platform administrators.",
    ),
}


def _who(rule: Rule) -> rules.Predicate:
    if not rule.in_business:
        return p.is_staff & p.has_staff_role(*rule.staff_roles)
    members = p.has_role(*rule.roles)
    if rule.elevated_staff:
        return members | (p.is_staff & p.has_elevation & p.is_verified)
    return members


def _conditions(rule: Rule) -> list[tuple[rules.Predicate, str]]:
    found: list[tuple[rules.Predicate, str]] = []
    if rule.in_business:
        found.append((p.business_is_open, CLOSED_MESSAGE))
    if rule.mfa:
        found.append((p.is_verified, MFA_MESSAGE.format(action=rule.action)))
    found.extend((rules.predicate(pred), message) for pred, message in rule.attributes)
    return found


def _compile(rule: Rule) -> rules.Predicate:
    combined = _who(rule)
    for predicate, _ in _conditions(rule):
        combined = combined & predicate
    return combined


POLICY = rules.RuleSet()
for _name, _rule in PERMISSIONS.items():
    POLICY.add_rule(_name, _compile(_rule))


def member_roles(perm: str) -> frozenset[str]:
    """The membership roles a permission names (before its conditions): for lists like "who can approve"."""
    return PERMISSIONS[perm].roles


def decide(user, perm: str, obj=None) -> bool:
    if perm not in POLICY:
        raise KeyError(f"No permission named {perm!r} in the policy")
    return bool(POLICY.test_rule(perm, user, obj))


def explain(user, perm: str, obj=None) -> str | None:
    """Why the policy refuses, in words for the person; None when it allows."""
    if decide(user, perm, obj):
        return None
    rule = PERMISSIONS[perm]
    if not _who(rule).test(user, obj):
        return rule.message
    for predicate, message in _conditions(rule):
        if not predicate.test(user, obj):
            return message
    return rule.message  # pragma: no cover - the conditions above are the whole rule
