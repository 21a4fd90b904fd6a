"""Secrets backends: Vault/OpenBao KV v2, AWS Secrets Manager, the local encrypted keystore, and env (tests)."""
