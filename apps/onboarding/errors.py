"""Domain errors of onboarding; every message is safe to show to the owner as it is."""


class OnboardingError(Exception):
    """A wizard action was refused; ``str(error)`` says why and what to do."""


class StepNotReady(OnboardingError):
    """An earlier step is not finished yet."""


class KycNotPassed(OnboardingError):
    """The Companies House check has not passed (nor been approved by staff)."""


class SignupError(OnboardingError):
    """Sign-up refused (e.g. the email address already has an account)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
