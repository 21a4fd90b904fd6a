"""Domain errors of the tenancy app. Views turn them into messages for people."""

from apps.core.errors import ApplicationError


class TenancyError(ApplicationError):
    """A request the tenancy services refuse; the message is safe to show."""

    code = "tenancy_refused"


class TenantContextError(RuntimeError):
    """Code touched tenant data outside (or across) a tenant context: a bug, never user input."""


class LastOwnerError(TenancyError):
    """Removing or demoting this member would leave the business without an owner."""

    status = 409
    code = "last_owner"


class InvitationError(TenancyError):
    """An invitation cannot be sent, accepted or revoked as asked (expired, used, wrong address)."""

    code = "invitation_refused"
