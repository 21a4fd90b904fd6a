"""On PostgreSQL, the database itself refuses an approval or review by someone without an approving staff role.

The check constraints in 0001 already refuse self-approval on every database; this trigger adds "the approver
holds security_officer or platform_admin" (the set in apps.permissions.models.APPROVER_ROLES), so neither a
view bug nor a hand-written UPDATE can approve an elevation by the wrong person.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION permissions_elevation_approver_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  old_approver bigint := NULL;
  old_reviewer bigint := NULL;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    old_approver := OLD.approver_id;
    old_reviewer := OLD.reviewed_by_id;
  END IF;
  IF NEW.approver_id IS NOT NULL AND NEW.approver_id IS DISTINCT FROM old_approver
     AND NOT EXISTS (SELECT 1 FROM permissions_staffrolegrant g
                     WHERE g.user_id = NEW.approver_id AND g.role IN ('security_officer', 'platform_admin')) THEN
    RAISE EXCEPTION 'elevation % approved by a user without an approving staff role', NEW.id
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.reviewed_by_id IS NOT NULL AND NEW.reviewed_by_id IS DISTINCT FROM old_reviewer
     AND NOT EXISTS (SELECT 1 FROM permissions_staffrolegrant g
                     WHERE g.user_id = NEW.reviewed_by_id AND g.role IN ('security_officer', 'platform_admin')) THEN
    RAISE EXCEPTION 'break-glass elevation % reviewed by a user without an approving staff role', NEW.id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS permissions_elevation_approver_check ON permissions_accesselevation;
CREATE TRIGGER permissions_elevation_approver_check
  BEFORE INSERT OR UPDATE ON permissions_accesselevation
  FOR EACH ROW EXECUTE FUNCTION permissions_elevation_approver_check();
"""

DROP = """
DROP TRIGGER IF EXISTS permissions_elevation_approver_check ON permissions_accesselevation;
DROP FUNCTION IF EXISTS permissions_elevation_approver_check();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("permissions", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
