"""The compliance checklist: SOC 2 CC6/CC7 and GDPR Articles 5, 17, 30, 32, 33, each computed from live checks.

An item's status is the worst of its checks' results in the page's scope (a
check nobody registered counts as UNKNOWN, never PASS); the reasons are those
checks' one-line summaries. An item with no check says so ("no automated
check") instead of showing a tick. The mapping is ours and is a starting point
for an auditor, not an attestation (decision 0027).
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.security_center.checks import NOT_REGISTERED, Check, CheckResult, Status, is_registered, worst

NO_AUTOMATED_CHECK = "no automated check"


@dataclass(frozen=True)
class Item:
    control: str  # "SOC 2 CC6.1", "GDPR Art. 32"
    title: str
    check_ids: tuple[str, ...]
    manual: str = ""  # what a person proves by hand, and where it is written down


@dataclass(frozen=True)
class Reason:
    check_id: str
    status: Status
    summary: str


@dataclass(frozen=True)
class ItemResult:
    item: Item
    status: Status | None  # None: no automated check
    reasons: tuple[Reason, ...]

    @property
    def automated(self) -> bool:
        return self.status is not None

    @property
    def status_label(self) -> str:
        return str(self.status) if self.status is not None else NO_AUTOMATED_CHECK


CHECKLIST: tuple[Item, ...] = (
    Item("SOC 2 CC6.1", "Logical access security: encryption keys, encrypted data and secrets",
         ("encryption.keys", "encryption.fields", "encryption.files", "secrets.backend", "access.two_factor")),
    Item("SOC 2 CC6.2", "Users are registered and authorised before access; access is reviewed",
         ("access.reviews", "access.two_factor")),
    Item("SOC 2 CC6.3", "Access is granted by role, least privilege, and removed when no longer needed",
         ("access.reviews", "access.elevation")),
    Item("SOC 2 CC6.4", "Physical access to facilities and data is restricted", (),
         "Physical security is the hosting provider's; its SOC 2 report is reviewed yearly."),
    Item("SOC 2 CC6.5", "Data is disposed of securely when no longer needed (erasure, crypto-shredding)",
         ("privacy.retention", "privacy.requests")),
    Item("SOC 2 CC6.6", "Protection against threats from outside the system boundary",
         ("access.failed_logins", "access.two_factor")),
    Item("SOC 2 CC6.7", "Information is protected when stored, moved and copied (backups included)",
         ("encryption.fields", "encryption.files", "backups.status"),
         "TLS in transit is enforced by the edge proxy configuration (deploy/), tested in CI, not here."),
    Item("SOC 2 CC6.8", "Unauthorised or malicious software is prevented or detected", (),
         "Dependency pins and scans run in CI (docs/security/change-management.md)."),
    Item("SOC 2 CC7.1", "Configuration and key changes are detected; keys and secrets are rotated",
         ("secrets.age", "encryption.rotation")),
    Item("SOC 2 CC7.2", "System components are monitored for anomalies",
         ("access.failed_logins", "access.privileged_actions", "audit.chain")),
    Item("SOC 2 CC7.3", "Security events are evaluated (privileged access reviewed after the fact)",
         ("access.privileged_actions", "access.elevation")),
    Item("SOC 2 CC7.4", "Security incidents are responded to", (),
         "docs/security/incident-response.md: roles, severities, notification, post-incident review."),
    Item("SOC 2 CC7.5", "The system is recovered after an incident", ("backups.status",)),
    Item("GDPR Art. 5", "Principles: storage limitation, integrity and confidentiality",
         ("privacy.retention", "encryption.fields", "audit.chain")),
    Item("GDPR Art. 17", "Right to erasure", ("privacy.requests",)),
    Item("GDPR Art. 30", "Records of processing activities", (),
         "docs/security/record-of-processing.md, reviewed when processing changes."),
    Item("GDPR Art. 32", "Security of processing",
         ("encryption.keys", "encryption.fields", "encryption.files", "access.two_factor", "backups.status",
          "secrets.backend")),
    Item("GDPR Art. 33", "Breach detection feeding the 72-hour notification to the ICO",
         ("audit.chain", "access.failed_logins", "access.privileged_actions"),
         "The notification itself follows docs/security/incident-response.md."),
)  # fmt: skip


def evaluate(item: Item, results: dict[str, CheckResult]) -> ItemResult:
    """One item from the page's results (``results``: check id -> result, for the checks in the page's scope)."""
    if not item.check_ids:
        return ItemResult(item, None, ())
    reasons = []
    for check_id in item.check_ids:
        if not is_registered(check_id):
            reasons.append(Reason(check_id, Status.UNKNOWN, NOT_REGISTERED))
        elif check_id in results:
            result = results[check_id]
            reasons.append(Reason(check_id, result.status, result.summary))
        else:  # registered, but not computed in this page's scope
            reasons.append(Reason(check_id, Status.NOT_APPLICABLE, "a platform check (staff console)"))
    return ItemResult(item, worst([r.status for r in reasons]), tuple(reasons))


def checklist(pairs: list[tuple[Check, CheckResult]]) -> list[ItemResult]:
    """Every item, computed from the checks the page just ran."""
    results = {check.id: result for check, result in pairs}
    return [evaluate(item, results) for item in CHECKLIST]
