"""Audit actions in words, for the pages people read (the log itself keeps the codes)."""

from __future__ import annotations

import json

from apps.audit.models import AuditEvent

LABELS = {
    "tenancy.tenant.created": "created the business",
    "tenancy.tenant.updated": "changed the business details ({fields})",
    "tenancy.membership.created": "added {user} as {role}",
    "tenancy.membership.role_changed": "made {user} {role}",
    "tenancy.membership.removed": "removed {user} from the team",
    "tenancy.invitation.created": "invited {email} as {role}",
    "tenancy.invitation.revoked": "withdrew the invitation for {email}",
    "tenancy.staff_access.granted": "Strongroom staff opened this business: {reason}",
    "tenancy.staff_access.ended": "Strongroom staff access ended",
    "tenancy.invitation.issued_by_operator": "Strongroom operations sent an invitation",
    "ledger.chart.seeded": "set up the chart of accounts",
    "ledger.entry.posted": "posted journal {number}",
    "ledger.entry.reversed": "reversed journal {number}: {reason}",
    "ledger.account.created": "added account {account} {name}",
    "ledger.account.renamed": "renamed account {account} to {name}",
    "ledger.account.deactivated": "deactivated account {account} {name}",
    "ledger.account.reactivated": "reactivated account {account} {name}",
    "ledger.account.retyped": "changed the type of account {account} {name}",
    "ledger.rule.learned": "learned a rule: {name} posts to {account}",
    "documents.document.approved": "approved a document and posted it to {account_code}",
    "documents.document.rejected": "rejected a document: {reason}",
    "documents.document.retried": "asked for {file} to be read again",
    "tenancy.api_token.created": "created an API token ({name})",
    "tenancy.api_token.revoked": "revoked an API token ({name})",
    "accounts.login.succeeded": "signed in",
    "accounts.login.failed": "failed to sign in",
    "accounts.logout.succeeded": "signed out",
    "accounts.2fa.enrolled": "set up two-factor authentication",
    "accounts.2fa.removed": "removed two-factor authentication",
    "accounts.password.reset": "reset their password",
}


def describe(event: AuditEvent) -> str:
    """A sentence for the event, filled from its recorded before/after/extra; the code if unknown."""
    template = LABELS.get(event.action)
    if template is None:
        return event.action
    try:
        body = json.loads(event.body)
    except ValueError:
        return event.action
    facts: dict[str, str] = {}
    for part in ("before", "extra", "after"):
        facts.update({k: str(v) for k, v in (body.get(part) or {}).items()})
    facts["fields"] = ", ".join(sorted((body.get("after") or {}).keys()))
    try:
        return template.format(**facts)
    except (KeyError, IndexError):
        return event.action
