"""The default UK small-business chart of accounts, seeded per tenant (owners may add and rename).

Codes are stable identifiers used by rules, postings, the golden dataset and
the VAT return; names are for people. ``vat_control`` marks the two VAT
control accounts the return is computed from.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"


class VatControl(StrEnum):
    INPUT = "input"  # VAT reclaimed on purchases (box 4)
    OUTPUT = "output"  # VAT charged on sales (box 1)


@dataclass(frozen=True)
class AccountSpec:
    code: str
    name: str
    type: AccountType
    vat_control: VatControl | None = None


BANK = "090"
ACCOUNTS_RECEIVABLE = "610"
ACCOUNTS_PAYABLE = "800"
VAT_INPUT = "820"
VAT_OUTPUT = "821"
SALES = "200"
GENERAL_EXPENSES = "429"  # where an unclassified purchase would go (always via review)

DEFAULT_CHART: tuple[AccountSpec, ...] = (
    AccountSpec(BANK, "Business current account", AccountType.ASSET),
    AccountSpec(ACCOUNTS_RECEIVABLE, "Accounts receivable", AccountType.ASSET),
    AccountSpec(ACCOUNTS_PAYABLE, "Accounts payable", AccountType.LIABILITY),
    AccountSpec(VAT_INPUT, "VAT on purchases (input)", AccountType.ASSET, VatControl.INPUT),
    AccountSpec(VAT_OUTPUT, "VAT on sales (output)", AccountType.LIABILITY, VatControl.OUTPUT),
    AccountSpec("970", "Owner's capital", AccountType.EQUITY),
    AccountSpec(SALES, "Sales", AccountType.INCOME),
    AccountSpec("260", "Other income", AccountType.INCOME),
    AccountSpec("310", "Cost of goods sold", AccountType.EXPENSE),
    AccountSpec("400", "Advertising and marketing", AccountType.EXPENSE),
    AccountSpec("404", "Bank charges", AccountType.EXPENSE),
    AccountSpec("408", "Cleaning", AccountType.EXPENSE),
    AccountSpec("412", "Accountancy and professional fees", AccountType.EXPENSE),
    AccountSpec("420", "Entertainment", AccountType.EXPENSE),
    AccountSpec("425", "Postage and delivery", AccountType.EXPENSE),
    AccountSpec(GENERAL_EXPENSES, "General expenses", AccountType.EXPENSE),
    AccountSpec("433", "Insurance", AccountType.EXPENSE),
    AccountSpec("445", "Light, power and heating", AccountType.EXPENSE),
    AccountSpec("449", "Motor vehicle expenses", AccountType.EXPENSE),
    AccountSpec("461", "Printing and stationery", AccountType.EXPENSE),
    AccountSpec("463", "IT software and subscriptions", AccountType.EXPENSE),
    AccountSpec("469", "Rent and rates", AccountType.EXPENSE),
    AccountSpec("473", "Repairs and maintenance", AccountType.EXPENSE),
    AccountSpec("477", "Staff training", AccountType.EXPENSE),
    AccountSpec("489", "Telephone and internet", AccountType.EXPENSE),
    AccountSpec("493", "Travel", AccountType.EXPENSE),
    AccountSpec("495", "Subsistence", AccountType.EXPENSE),
)
