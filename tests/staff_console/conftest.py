"""The onboarding fixtures (a business in the wizard, its owner, fake Companies House) for the review queue tests."""

from tests.onboarding.conftest import (  # noqa: F401
    advance,
    companies_house,
    hmrc,
    new_business,
    obligations,
    owner,
    owner_client,
    url,
)
