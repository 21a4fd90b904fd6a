"""Validators for UK identifiers, shared by models and forms."""

import re

from django.core.exceptions import ValidationError
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.gb import vat as gb_vat

# Companies House numbers: eight characters, either all digits or a two-letter
# prefix (SC, NI, OC, SO, NC, R0 ...) followed by six digits.
_COMPANY_NUMBER = re.compile(r"^(\d{8}|[A-Z]{2}\d{6}|R0\d{6})$")


def validate_gb_vat_number(value: str) -> None:
    try:
        gb_vat.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            "%(value)s is not a valid UK VAT registration number (check the digits).",
            code="invalid_vat_number",
            params={"value": value},
        ) from exc


def validate_company_number(value: str) -> None:
    if not _COMPANY_NUMBER.match(value.strip().upper()):
        raise ValidationError(
            "%(value)s is not a Companies House number: it has eight characters, such as 01234567 or SC123456.",
            code="invalid_company_number",
            params={"value": value},
        )
