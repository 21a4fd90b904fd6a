"""PostgreSQL only: the database half of "a journal entry balances" and "posted entries are immutable".

1. ``ledger_entry_check`` (deferred constraint triggers on lines and entries):
   at COMMIT, every entry touched in the transaction has at least two lines
   and its debits equal its credits. Deferred, so the posting service can
   insert the entry and then its lines in one transaction.
   Why the function sets ``app.tenant_id`` itself: deferred triggers fire at
   COMMIT, after ``tenant_context`` has reset the setting, so under forced
   row-level security the lines would be invisible. It reads the entry's lines
   inside the tenant the row was written for (the RLS WITH CHECK already
   proved the writer was in that tenant) and restores the previous value.
   A line whose entry belongs to another tenant is refused here too.
2. ``ledger_line_immutable`` / ``ledger_entry_immutable``: every entry is
   posted when it is written (there are no drafts), so lines refuse UPDATE
   and DELETE, and entries refuse DELETE and changes to number, date, kind,
   source document, reversal link and posting time. Corrections are
   reversals. A change of ``tenant_id`` is left to row-level security, which
   refuses it with its own message.

SQLite (the demo) relies on the posting service's checks.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION ledger_entry_check(p_entry uuid, p_tenant uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  previous text := current_setting('app.tenant_id', true);
  entry_found boolean;
  line_count integer;
  total_debit numeric;
  total_credit numeric;
BEGIN
  PERFORM set_config('app.tenant_id', p_tenant::text, true);
  SELECT EXISTS (SELECT 1 FROM ledger_journalentry WHERE id = p_entry) INTO entry_found;
  SELECT count(*), coalesce(sum(debit), 0), coalesce(sum(credit), 0)
    INTO line_count, total_debit, total_credit
    FROM ledger_journalline WHERE entry_id = p_entry;
  PERFORM set_config('app.tenant_id', coalesce(previous, ''), true);
  IF NOT entry_found THEN
    RAISE EXCEPTION 'journal line refers to entry %, which is not in tenant %', p_entry, p_tenant
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF line_count < 2 THEN
    RAISE EXCEPTION 'journal entry % has % line(s); an entry needs at least two', p_entry, line_count
      USING ERRCODE = 'check_violation';
  END IF;
  IF total_debit <> total_credit THEN
    RAISE EXCEPTION 'journal entry % does not balance: debits % and credits %', p_entry, total_debit, total_credit
      USING ERRCODE = 'check_violation';
  END IF;
END $$;

CREATE OR REPLACE FUNCTION ledger_line_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM ledger_entry_check(OLD.entry_id, OLD.tenant_id);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM ledger_entry_check(NEW.entry_id, NEW.tenant_id);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ledger_entry_check(NEW.id, NEW.tenant_id);
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ledger_line_balanced
  AFTER INSERT OR UPDATE OR DELETE ON ledger_journalline
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ledger_line_balanced();

CREATE CONSTRAINT TRIGGER ledger_entry_balanced
  AFTER INSERT ON ledger_journalentry
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced();

CREATE OR REPLACE FUNCTION ledger_line_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'journal lines are immutable once posted (DELETE refused): post a reversal instead'
      USING ERRCODE = 'restrict_violation';
  END IF;
  IF (to_jsonb(NEW) - 'tenant_id') IS DISTINCT FROM (to_jsonb(OLD) - 'tenant_id') THEN
    RAISE EXCEPTION 'journal lines are immutable once posted (UPDATE refused): post a reversal instead'
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER ledger_line_immutable BEFORE UPDATE OR DELETE ON ledger_journalline
  FOR EACH ROW EXECUTE FUNCTION ledger_line_immutable();

CREATE OR REPLACE FUNCTION ledger_entry_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'posted journal entries cannot be deleted: post a reversal instead'
      USING ERRCODE = 'restrict_violation';
  END IF;
  IF (NEW.number, NEW.date, NEW.kind, NEW.source_document_id, NEW.reverses_id, NEW.posted_at)
     IS DISTINCT FROM (OLD.number, OLD.date, OLD.kind, OLD.source_document_id, OLD.reverses_id, OLD.posted_at) THEN
    RAISE EXCEPTION 'posted journal entries are immutable (number, date, kind, source document, reversal, posting time): post a reversal instead'
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE OR DELETE ON ledger_journalentry
  FOR EACH ROW EXECUTE FUNCTION ledger_entry_immutable();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS ledger_entry_immutable ON ledger_journalentry;
DROP TRIGGER IF EXISTS ledger_line_immutable ON ledger_journalline;
DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_journalentry;
DROP TRIGGER IF EXISTS ledger_line_balanced ON ledger_journalline;
DROP FUNCTION IF EXISTS ledger_entry_immutable();
DROP FUNCTION IF EXISTS ledger_line_immutable();
DROP FUNCTION IF EXISTS ledger_entry_balanced();
DROP FUNCTION IF EXISTS ledger_line_balanced();
DROP FUNCTION IF EXISTS ledger_entry_check(uuid, uuid);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
