"""Signals tenancy sends so that apps above it can react without tenancy importing them.

``tenant_created`` is sent inside the new tenant's context and transaction:
a receiver's writes commit or roll back with the tenant (the ledger seeds its
chart of accounts here).
"""

from django.dispatch import Signal

tenant_created = Signal()  # kwargs: tenant, actor
