"""Domain errors of onboarding; every message is safe to show to the owner as it is."""

from apps.core.errors import ApplicationError


class OnboardingError(ApplicationError):
    """A wizard action was refused; ``str(error)`` says why and what to do."""

    code = "onboarding_refused"


class StepNotReady(OnboardingError):
    """An earlier step is not finished yet."""

    status = 409
    code = "step_not_ready"


class KycNotPassed(OnboardingError):
    """The Companies House check has not passed (nor been approved by staff)."""

    status = 409
    code = "kyc_not_passed"


class SignupError(OnboardingError):
    """Sign-up refused (e.g. the email address already has an account)."""

    code = "signup_refused"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, extra={"field": field} if field else None)
        self.field = field
