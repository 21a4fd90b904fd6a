"""Application-layer envelope encryption (docs/contracts/security.md, docs/decisions/0004).

Per-tenant data keys (DEKs, :class:`apps.security_center.models.TenantKey`)
are wrapped by a key-encryption key from a :class:`~.kek.KekProvider`; field
values are sealed with AES-256-GCM and bound to their tenant, row and label.
Entry points: :mod:`.envelope` (encrypt/decrypt), :mod:`.fields`
(EncryptedTextField), :mod:`.blind_index`, :mod:`.services` (rotate, re-wrap,
shred). Nothing here is imported by settings except :mod:`.kek`'s pure helpers.
"""
