"""PostgreSQL only: the chain trigger, append-only triggers and RLS policies.

The design is summarised in docs/contracts/security.md, Audit chain. The application
role's table privileges (SELECT, INSERT only) are applied by the tenancy
post_migrate hook from ``AuditEvent.app_role_privileges``.
"""

from django.db import migrations

FORWARD = r"""
CREATE TABLE audit_chain_head (chain uuid PRIMARY KEY, seq bigint NOT NULL, hash bytea NOT NULL);

CREATE OR REPLACE FUNCTION audit_chain_link() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE h audit_chain_head%ROWTYPE;
BEGIN
  INSERT INTO audit_chain_head(chain, seq, hash)
    VALUES (NEW.chain, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
    ON CONFLICT (chain) DO NOTHING;
  SELECT * INTO h FROM audit_chain_head WHERE chain = NEW.chain FOR UPDATE;
  NEW.seq := h.seq + 1;
  NEW.prev_hash := h.hash;
  NEW.hash := sha256(h.hash || int8send(NEW.seq) || convert_to(NEW.body, 'UTF8'));
  UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.hash WHERE chain = NEW.chain;
  RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION audit_chain_link() FROM PUBLIC;
CREATE TRIGGER audit_chain_link BEFORE INSERT ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION audit_chain_link();

CREATE OR REPLACE FUNCTION audit_block_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_auditevent is append-only (% blocked)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION audit_block_mutation();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditevent
  FOR EACH STATEMENT EXECUTE FUNCTION audit_block_mutation();

ALTER TABLE audit_auditevent ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_auditevent FORCE ROW LEVEL SECURITY;
-- A chain is read inside its own context: the tenant's id, or the platform
-- chain's all-zero id for platform events.
CREATE POLICY audit_read ON audit_auditevent FOR SELECT
  USING (chain = (SELECT app_current_tenant()));
CREATE POLICY audit_insert ON audit_auditevent FOR INSERT
  WITH CHECK (chain = (SELECT app_current_tenant()) OR chain = '00000000-0000-0000-0000-000000000000');
"""

BACKWARD = r"""
DROP POLICY IF EXISTS audit_insert ON audit_auditevent;
DROP POLICY IF EXISTS audit_read ON audit_auditevent;
ALTER TABLE audit_auditevent NO FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_auditevent DISABLE ROW LEVEL SECURITY;
DROP TRIGGER IF EXISTS audit_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_no_update_delete ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_chain_link ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_block_mutation();
DROP FUNCTION IF EXISTS audit_chain_link();
DROP TABLE IF EXISTS audit_chain_head;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
