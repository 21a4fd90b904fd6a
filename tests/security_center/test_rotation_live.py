"""The issue's proof: KEK and DEK rotations finish with every row and file on the new versions while readers never
fail.

On PostgreSQL (row-level security on, committed data), with the real OpenBao
Transit server and with AWS KMS on moto. Two readers run from before the first
rotation until after the sweep, each with its own database connection:

* a thread in this process, with the key cache TTL cut to 0.2 s, so it keeps
  unwrapping data keys through the KEK while the KEK is rotated, the keys
  re-wrapped and the old KEK version retired;
* a separate process with the default 300 s key cache, which must keep opening
  old-version values from its cache and open new-version values as soon as they
  appear (``key_for_version`` loads a version it has not seen).

Then the state at rest is checked with raw SQL and the stored file bytes: every value's header (the test
table's and the documents' columns) and every uploaded file names the new data-key version, and every live
data key is wrapped under the new KEK.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connections

from apps.documents.models import Document
from apps.documents.services.storage import read_blob, read_document_file
from apps.documents.services.upload import upload_document
from apps.security_center.crypto import envelope, keystore
from apps.security_center.crypto.kek import set_kek_provider
from apps.security_center.crypto.kms import AwsKmsKekProvider, VaultTransitKekProvider
from apps.security_center.crypto.services import rotate_tenant_dek
from apps.security_center.vault import VaultConfig, VaultSession
from apps.tenancy.context import tenant_context
from tests.documents.samples import pdf_bytes
from tests.factories import TenantFactory
from tests.helpers import ROOT
from tests.security_center.rotation_helpers import raw_kek_versions, raw_versions

pytestmark = pytest.mark.postgres

ROWS_PER_TENANT = 40
LABELS = ("test.rotation_body", "test.rotation_extraction")

READER = r"""
import json, os, django
django.setup()
from django.db import connection
from apps.security_center.crypto import envelope
from apps.security_center.crypto.kek import set_kek_provider
from apps.tenancy.context import tenant_context

if os.environ["ROT_KIND"] == "vault":
    from apps.security_center.crypto.kms import VaultTransitKekProvider
    from apps.security_center.vault import VaultConfig, VaultSession
    session = VaultSession(VaultConfig(addr=os.environ["ROT_VAULT_ADDR"], token=os.environ["ROT_VAULT_TOKEN"]))
    set_kek_provider(VaultTransitKekProvider(session, key_name=os.environ["ROT_KEY"]))
else:
    from apps.security_center.crypto.kms import AwsKmsKekProvider
    set_kek_provider(AwsKmsKekProvider(
        {1: os.environ["ROT_KEY"]}, endpoint_url=os.environ["ROT_KMS_URL"], region_name="eu-west-2",
        aws_access_key_id="testing", aws_secret_access_key="testing"))

def expected(pk):
    extraction = json.dumps({"pk": str(pk)}, separators=(",", ":")).encode()
    return {"test.rotation_body": f"body-{pk}".encode(), "test.rotation_extraction": extraction}

reads, errors, passes, seen, last = 0, [], 0, set(), set()
final = False
while not final:
    final = os.path.exists(os.environ["ROT_STOP"])
    last = set()
    for tenant in os.environ["ROT_TENANTS"].split(","):
        try:
            with tenant_context(tenant), connection.cursor() as cursor:
                cursor.execute(f"SELECT id, body, extraction FROM {os.environ['ROT_TABLE']}")
                for pk, body, extraction in cursor.fetchall():
                    want = expected(pk)
                    for label, blob in (("test.rotation_body", body), ("test.rotation_extraction", extraction)):
                        blob = bytes(blob)
                        last.add(envelope.dek_version_of(blob))
                        if envelope.decrypt(tenant_id=tenant, label=label, row_id=pk, blob=blob) != want[label]:
                            errors.append(f"{label} of {pk} opened to the wrong value")
                        reads += 1
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    seen |= last
    passes += 1
    if passes == 1:
        print("ready", flush=True)
print(json.dumps({"reads": reads, "passes": passes, "errors": errors[:20], "seen": sorted(seen), "last": sorted(last)}))
"""


class ThreadReader(threading.Thread):
    """Reads and decrypts every row of the tenants through the ORM until stopped, then once more."""

    def __init__(self, model, tenants) -> None:
        super().__init__(daemon=True)
        self.model, self.tenants = model, tenants
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.reads = self.passes = 0
        self.errors: list[str] = []
        self.last: set[int] = set()

    def run(self) -> None:
        try:
            final = False
            while not final:
                final = self.stop.is_set()
                self.last = set()
                for tenant in self.tenants:
                    try:
                        with tenant_context(tenant):
                            for note in self.model.objects.all():
                                self.last.add(envelope.dek_version_of(bytes(note.__dict__["body"])))
                                assert note.body == f"body-{note.pk}", f"body of {note.pk}"
                                assert note.extraction == {"pk": str(note.pk)}, f"extraction of {note.pk}"
                                self.reads += 2
                    except Exception as exc:
                        self.errors.append(f"{type(exc).__name__}: {exc}")
                self.passes += 1
                self.ready.set()
        finally:
            connections.close_all()


def _write_notes(model, tenant, count: int) -> None:
    with tenant_context(tenant):
        for _ in range(count):
            note = model(tenant=tenant)
            note.body, note.extraction = f"body-{note.pk}", {"pk": str(note.pk)}
            note.save()


def _start_process_reader(env: dict[str, str], tenants, table: str, stop_file) -> subprocess.Popen:
    db = connections["default"].settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    child_env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    child_env |= env | {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "STRONGROOM_ENV": "test",
        "ROT_TENANTS": ",".join(str(t.pk) for t in tenants),
        "ROT_TABLE": table,
        "ROT_STOP": str(stop_file),
    }
    child_env.pop("DATABASE_OWNER_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", READER],
        cwd=ROOT,
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    if line.strip() != "ready":
        proc.kill()
        raise AssertionError(f"reader process did not start: {line}{proc.stderr.read()[-3000:]}")
    return proc


def _rotate_everything_under_readers(model, tenants, child_env, tmp_path, settings, rotate_kek_args):
    settings.FIELD_ENCRYPTION_KEY_CACHE_SECONDS = 0.2  # this process: unwrap through the KEK all the time
    keystore.clear_key_cache()
    settings.MEDIA_ROOT = tmp_path / "media"
    receipts = {}
    for tenant in tenants:
        _write_notes(model, tenant, ROWS_PER_TENANT)
        receipts[tenant.pk] = pdf_bytes([f"Receipt for {tenant.slug}"])
        upload_document(tenant=tenant, content=receipts[tenant.pk], filename="receipt.pdf")  # file sealed: DEK v1
    stop_file = tmp_path / "stop"
    child = _start_process_reader(child_env, tenants, model._meta.db_table, stop_file)
    reader = ThreadReader(model, tenants)
    reader.start()
    try:
        assert reader.ready.wait(60)
        out = io.StringIO()
        call_command("rotate_kek", *rotate_kek_args, stdout=out)  # KEK: rotate, re-wrap, retire
        kek_report = out.getvalue()
        for tenant in tenants:
            rotate_tenant_dek(tenant, actor_label="test")  # DEK v2: new writes use it at once
            _write_notes(model, tenant, 3)
        out = io.StringIO()
        call_command("reencrypt_sweep", "--batch-size", "7", stdout=out)
        sweep_report = out.getvalue()
        passes = reader.passes
        deadline = time.monotonic() + 60
        while reader.passes < passes + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        reader.stop.set()
        stop_file.write_text("stop")
        reader.join(60)
        stdout, stderr = child.communicate(timeout=120)
    result = json.loads(stdout.strip().splitlines()[-1]) if stdout.strip() else {"errors": [stderr[-3000:]]}

    assert reader.errors == [], reader.errors[:5]
    assert reader.passes >= 3 and reader.reads > 0
    assert reader.last == {2}  # its last pass, after the sweep, saw only new-version values
    assert child.returncode == 0, stderr[-3000:]
    assert result["errors"] == [], result["errors"]
    assert result["passes"] >= 2 and result["seen"] == [1, 2] and result["last"] == [2]

    total = ROWS_PER_TENANT + 3
    for tenant in tenants:
        assert raw_versions(model, tenant, "body") == [2] * total
        assert raw_versions(model, tenant, "extraction") == [2] * total
    for tenant in tenants:
        assert raw_versions(Document, tenant, "text") == [2]
        with tenant_context(tenant):
            document = Document.objects.get()
            assert document.file_key_version == 2
            assert envelope.dek_version_of(read_blob(document.storage_name)) == 2  # the stored bytes themselves
            assert read_document_file(document) == receipts[tenant.pk]
    values, files = map(int, re.search(r"Re-encrypted (\d+) values and (\d+) files", sweep_report).groups())
    assert values >= 2 * ROWS_PER_TENANT * len(tenants) and files == len(tenants)
    assert "0 values and 0 files still stale" in sweep_report
    return kek_report


def test_vault_transit_kek_and_dek_rotation_under_readers(rotation_note, openbao, tmp_path, settings):
    key = f"kek-live-{secrets.token_hex(4)}"
    provider = VaultTransitKekProvider(
        VaultSession(VaultConfig(addr=openbao.url, token=openbao.root_token)), key_name=key
    )
    provider.ensure_key()
    set_kek_provider(provider)
    try:
        tenants = [TenantFactory(), TenantFactory()]
        env = {
            "ROT_KIND": "vault",
            "ROT_VAULT_ADDR": openbao.url,
            "ROT_VAULT_TOKEN": openbao.root_token,
            "ROT_KEY": key,
        }
        report = _rotate_everything_under_readers(rotation_note, tenants, env, tmp_path, settings, [])
        assert "KEK version 1 -> 2: 2 keys of 2 businesses re-wrapped; 0 still behind" in report
        assert f"Transit key {key!r}: min_decryption_version raised to 2" in report
        assert provider.key_info() == {"latest_version": 2, "min_decryption_version": 2}
        kek_id = f"vault-transit:transit/{key}"
        for tenant in tenants:
            # DEK v1 re-wrapped under KEK v2, DEK v2 wrapped under KEK v2 from the start.
            assert raw_kek_versions(tenant) == [(kek_id, 2, 1), (kek_id, 2, 2)]
            with tenant_context(tenant), connections["default"].cursor() as cursor:
                cursor.execute("SELECT wrapped_dek FROM security_center_tenantkey WHERE tenant_id = %s", [tenant.pk])
                assert all(bytes(row[0]).startswith(b"vault:v2:") for row in cursor.fetchall())
    finally:
        set_kek_provider(None)
        keystore.clear_key_cache()


def test_aws_kms_kek_and_dek_rotation_under_readers(rotation_note, moto_server, tmp_path, settings):
    kms = moto_server.client("kms")
    old_key = kms.create_key(Description="strongroom live kek v1")["KeyMetadata"]["Arn"]
    new_key = kms.create_key(Description="strongroom live kek v2")["KeyMetadata"]["Arn"]
    set_kek_provider(AwsKmsKekProvider({1: old_key}, client=moto_server.client("kms")))
    try:
        tenants = [TenantFactory(), TenantFactory()]
        env = {"ROT_KIND": "kms", "ROT_KMS_URL": moto_server.url, "ROT_KEY": old_key}

        class Deploy(list):
            """The operator configures key v2 (FIELD_ENCRYPTION_AWS_KMS_KEYS) just before running rotate_kek."""

            def __iter__(self):
                set_kek_provider(AwsKmsKekProvider({1: old_key, 2: new_key}, client=moto_server.client("kms")))
                return super().__iter__()

        report = _rotate_everything_under_readers(rotation_note, tenants, env, tmp_path, settings, Deploy())
        assert "KEK version 2 -> 2: 2 keys of 2 businesses re-wrapped; 0 still behind" in report
        assert "KMS: disabled 1 older key(s)" in report
        assert kms.describe_key(KeyId=old_key)["KeyMetadata"]["Enabled"] is False
        for tenant in tenants:
            assert raw_kek_versions(tenant) == [(new_key, 2, 1), (new_key, 2, 2)]
    finally:
        set_kek_provider(None)
        keystore.clear_key_cache()
