"""Domain errors of the tenancy app. Views turn them into messages for people."""


class TenancyError(Exception):
    """A request the tenancy services refuse; the message is safe to show."""


class TenantContextError(RuntimeError):
    """Code touched tenant data outside (or across) a tenant context: a bug, never user input."""


class LastOwnerError(TenancyError):
    pass


class InvitationError(TenancyError):
    pass
