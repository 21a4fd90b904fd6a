"""Document storage on an S3-compatible bucket (moto's in-process S3: no network)."""

from __future__ import annotations

import pytest
from moto import mock_aws

from apps.documents.models import DocumentState, TaskRun
from apps.documents.services.reconcile import reconcile_all
from apps.documents.services.storage import list_blobs, read_blob, read_document_file, tenant_prefix
from apps.documents.services.upload import upload_document
from apps.documents.tasks import process_document
from golden.cases import load_cases

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3_bucket(settings, monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "eu-west-2"}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    with mock_aws():
        import boto3

        boto3.client("s3", region_name="eu-west-2").create_bucket(
            Bucket="strongroom-documents", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
        )
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": "strongroom-documents",
                    "region_name": "eu-west-2",
                    "file_overwrite": True,
                    "default_acl": None,
                },
            },
        }
        yield boto3.client("s3", region_name="eu-west-2")


def test_upload_read_and_reconcile_on_s3(s3_bucket, tenant_a, in_tenant, media_root):
    from apps.ledger.services.accounts import seed_chart_of_accounts

    with in_tenant(tenant_a):
        seed_chart_of_accounts(tenant_a)
    case = next(c for c in load_cases(group="good") if c.file.startswith("013-"))
    document = upload_document(tenant=tenant_a, content=case.content(), filename=case.file).document
    head = s3_bucket.head_object(Bucket="strongroom-documents", Key=document.storage_name)
    assert head["ContentLength"] == document.size + 33, "sealed: format byte, key version, nonce and tag"
    stored = read_blob(document.storage_name)
    assert stored[:1] == b"\x01" and b"%PDF" not in stored
    assert read_document_file(document) == case.content()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*")), "nothing on local disk"
    # The same bytes again: a duplicate, and no second object.
    upload_document(tenant=tenant_a, content=case.content(), filename="again.pdf")
    assert list_blobs(tenant_prefix(tenant_a.pk)) == [document.storage_name]

    with in_tenant(tenant_a):
        run = TaskRun.objects.get(document=document)
    process_document.apply(kwargs={"tenant_id": str(tenant_a.pk), "document_id": str(document.pk),
                                   "run_id": str(run.pk)})  # fmt: skip
    with in_tenant(tenant_a):
        document.refresh_from_db()
    assert document.state == DocumentState.POSTED
    assert reconcile_all().clean
