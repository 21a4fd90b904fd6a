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
    "accounts.user.registered": "created their Strongroom account from an invitation",
    "tenancy.staff_access.granted": "Strongroom staff opened this business: {reason}",
    "tenancy.staff_access.ended": "Strongroom staff access ended",
    "permissions.elevation.requested": "{requester} (Strongroom staff) asked for access to this business: {reason}",
    "permissions.elevation.approved": "{requester} (Strongroom staff) was given access until {expires_at}",
    "permissions.elevation.denied": "{requester} (Strongroom staff) was refused access to this business",
    "permissions.elevation.revoked": "access to this business by {requester} (Strongroom staff) was ended",
    "permissions.elevation.expired": "access to this business by {requester} (Strongroom staff) expired",
    "permissions.elevation.used": "{requester} (Strongroom staff) opened {path}",
    "permissions.elevation.break_glass": "{requester} (Strongroom staff) used emergency access: {reason}",
    "permissions.elevation.reviewed": "emergency access by {requester} (Strongroom staff) was reviewed: {note}",
    "permissions.staff_role.granted": "gave {user} the staff role {role}",
    "permissions.staff_role.revoked": "took the staff role {role} from {user}",
    "permissions.review.opened": "opened the access review for {period}",
    "permissions.review.confirmed": "confirmed in the {period} access review: {item}",
    "permissions.review.revoked": "revoked in the {period} access review: {item}",
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
    # The reason a person typed is sealed on the document (decision 0024); the append-only log keeps its length only.
    "documents.document.rejected": "rejected a document (a reason of {reason_chars} characters, kept on the document)",
    "documents.document.retried": "asked for {file} to be read again",
    "documents.document.archived": "archived a document that could not be processed: {failure}",
    "documents.document.restored": "restored a document that had been set aside",
    "documents.document.reversed": "a document's posting was reversed by journal {reversal}",
    "documents.document.reopened": "sent a reversed document back to review to post it again",
    # Each document's own event is recorded by its action; this one says a batch was asked for (issue #13).
    "documents.selection.acted_on": "acted on selected documents ({action}): {done} done, {skipped} skipped",
    "ledger.journal.posted": "posted manual journal {number}: {reason}",
    "tenancy.api_token.created": "created an API token ({name})",
    "tenancy.api_token.revoked": "revoked an API token ({name})",
    "accounts.login.succeeded": "signed in",
    "accounts.login.failed": "failed to sign in",
    "accounts.logout.succeeded": "signed out",
    "accounts.2fa.enrolled": "set up two-factor authentication",
    "accounts.2fa.removed": "removed two-factor authentication",
    "accounts.password.reset": "reset their password",
    "accounts.2fa.backup_code_used": "signed in with a backup code",
    "accounts.2fa.backup_codes_regenerated": "made new backup codes",
    "accounts.2fa.enrolment_started": "started setting up two-factor authentication",
    "accounts.2fa.failed": "entered a wrong two-factor code",
    "filing.obligations.synced": "read the VAT periods from HMRC",
    "filing.vat_settings.saved": "saved the VAT settings ({scheme}, {stagger})",
    "filing.return.sent_for_approval": "froze the VAT return {period_key} and sent it for approval",
    "filing.return.approved": "approved the VAT return {period_key} with HMRC's declaration",
    "filing.return.returned_to_draft": "sent the VAT return back to draft",
    "filing.return.retry_requested": "asked for the VAT return to be sent again",
    # Outbox (issue #17): a staff member sent a given-up item again.
    "outbox.item.retried": "sent the {task} work again after it had been given up",
    "filing.return.submitted": "filed the VAT return {period_key} with HMRC (form bundle {form_bundle_number})",
    "filing.return.reconciled": "confirmed with HMRC that the VAT return {period_key} was already filed",
    "filing.return.rejected": "HMRC rejected the VAT return: {message}",
    "filing.return.send_refused": "did not send the VAT return: its period is before the first filed with Strongroom",
    "filing.return.submission_deferred": "could not reach HMRC ({error_code}); the VAT return will be sent again",
    "integrations.hmrc.connect_started": "started connecting to HMRC",
    "integrations.hmrc.connect_failed": "could not connect to HMRC",
    "integrations.hmrc.connected": "connected Strongroom to HMRC",
    "integrations.hmrc.disconnected": "disconnected Strongroom from HMRC",
    "integrations.hmrc.refresh_failed": "the HMRC connection could not be renewed",
    "integrations.hmrc.wrong_vrn": "HMRC's permission was for another VAT number: connection set aside",
    "ledger.bank.synced": "imported lines from the bank feed",
    "ledger.bank.posted": "posted a bank line",
    "ledger.bank.matched": "matched a bank line to a journal",
    "ledger.bank.ignored": "ignored a bank line",
    "ledger.bank.restored": "put an ignored bank line back",
    "ledger.bank.settled": "paid a bill or received an invoice from a bank line",
    "ledger.bank.split": "split a bank line across accounts",
    "ledger.bank.undone": "undid a bank line's posting or match",
    "ledger.bank_rule.created": "created a bank rule",
    "ledger.bank_rule.deactivated": "turned a bank rule off",
    "onboarding.user.signed_up": "signed up",
    "onboarding.progress.started": "started setting up the business",
    "onboarding.step.completed": "completed the set-up step {step}",
    "onboarding.kyc.checked": "checked the company with Companies House: {kyc_status}",
    "onboarding.kyc.reset": "the Companies House check must be redone ({reason})",
    "onboarding.kyc.review_requested": "sent the Companies House check for staff review",
    "onboarding.kyc.review_decided": "Strongroom staff decided the Companies House check: {decision}",
    "onboarding.progress.completed": "finished setting up the business",
    "observability.degraded.set": "Strongroom staff set a service warning",
    "observability.degraded.cleared": "Strongroom staff cleared a service warning",
    "sandbox.fault.set": "changed a sandbox fault",
    "security_center.tenant_key.rotated": "rotated the business's encryption key",
    "security_center.tenant_key.rewrapped": "re-wrapped the encryption keys",
    "security_center.tenant_key.shredded": "destroyed the business's encryption keys",
    # Secrets provider (issue #15, helper "secrets"): the name and versions only, never a value.
    "security_center.secret.rotated": "rotated the secret {name} to version {version} ({backend})",
    "security_center.secret.retired": "retired the database login {login} (after a rotation of {name})",
    # KEK and DEK rotation (issue #15, helper "keks"; docs/runbooks/key-rotation.md)
    "security_center.kek.rotated": "rotated the key-encryption key to version {kek_version}",
    "security_center.kek.retired": "retired key-encryption key versions below {kek_version}",
    "security_center.tenant_key.reencrypted": "re-encrypted {rows} values under data key version {dek_version}",
    # Security center (decision 0037): a verification or a check run asked for from a page's button
    "security_center.chain_verification.requested": "asked for the audit chains to be verified now",
    "security_center.check_run.requested": "asked for the security checks to run now ({scope})",
    # Backups and restore drills (apps/backups)
    "backups.drill.requested": "asked for a restore drill ({kind})",
    # One business's rows put back from a point-in-time copy (docs/dr/tenant-data-corrupted.md; H6)
    "backups.tenant_rows.restored": "put back rows from the copy at {point_in_time}: {tables}",
    # Privacy (issue #15): retention, access and erasure requests (ids and counts only)
    "privacy.retention.ran": "the retention job ran (dry run: {dry_run})",
    "privacy.access_request.opened": "asked for a data export",
    "privacy.access_request.completed": "a data export was made",
    "privacy.erasure_request.opened": "asked for erasure",
    "privacy.export.link_issued": "issued a download link for a data export",
    "privacy.export.downloaded": "downloaded a data export",
    "privacy.person.erased_from_business": "a person's account was erased; their records here are kept, restricted",
    "privacy.person.erased": "erased a person's account",
    "privacy.business.restricted": "closed the business and restricted its records for statutory retention",
    "privacy.business.erased": "erased the business (certificate {certificate_id})",
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
