"""The KYC decision on a Companies House profile: pure, so every rule is tested on its own.

A business passes when Companies House lists the company as active and its
registered name matches the legal name the owner typed. Names are compared
after normalising what people write differently for the same company: case,
punctuation, "&"/"and", "Limited"/"Ltd", "Public Limited Company"/"PLC",
"Limited Liability Partnership"/"LLP", and spacing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, is_dataclass
from datetime import date
from typing import Any

_SUFFIXES = (
    (r"\bpublic limited company\b", "plc"),
    (r"\blimited liability partnership\b", "llp"),
    (r"\blimited\b", "ltd"),
    (r"\bcompany\b", "co"),
    (r"\bcyfyngedig\b", "cyf"),  # Welsh "Limited"
)


def normalise_company_name(name: str) -> str:
    """A comparison key: "Brightwater Joinery Limited" and "BRIGHTWATER JOINERY LTD." agree."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("&", " and ").replace("+", " and ")
    text = re.sub(r"[^\w\s]", " ", text).replace("_", " ")
    text = re.sub(r"\s+", " ", text).strip()
    for pattern, replacement in _SUFFIXES:
        text = re.sub(pattern, replacement, text)
    if text.startswith("the "):
        text = text[4:]
    return text.replace(" ", "")


def names_match(declared: str, registered: str) -> bool:
    return bool(declared.strip()) and normalise_company_name(declared) == normalise_company_name(registered)


@dataclass(frozen=True)
class KycDecision:
    passed: bool
    reasons: tuple[str, ...]


def decide(*, declared_name: str, company_name: str, company_status: str) -> KycDecision:
    """Every reason the check fails, in words the owner can act on; none when it passes."""
    reasons: list[str] = []
    status = (company_status or "").strip().lower()
    if status != "active":
        shown = status.replace("-", " ") or "with no status"
        reasons.append(
            f"Companies House lists {company_name} as {shown}, not active. Only an active company can be set up here."
        )
    if not names_match(declared_name, company_name):
        reasons.append(
            f"The name you gave, “{declared_name}”, differs from the name at Companies House, “{company_name}”. "
            "Correct the legal name in Business details if it is a typing difference."
        )
    return KycDecision(passed=not reasons, reasons=tuple(reasons))


def profile_facts(profile: Any) -> dict[str, Any]:
    """The Companies House facts kept with the decision, JSON-ready (dates as ISO strings)."""
    raw = asdict(profile) if is_dataclass(profile) else dict(profile)
    facts: dict[str, Any] = {}
    for key in ("company_number", "company_name", "company_status", "company_type", "date_of_creation"):
        value = raw.get(key)
        facts[key] = value.isoformat() if isinstance(value, date) else value
    address = raw.get("registered_office_address") or {}
    facts["registered_office_address"] = {str(k): str(v) for k, v in dict(address).items()}
    return facts
