"""Backups: pgBackRest (PostgreSQL PITR), restic (documents), SQLite copies, the catalog, restores and drills."""
