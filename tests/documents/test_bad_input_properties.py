"""Bad bytes through the upload service and the pipeline: a clear end, nothing orphaned, nothing posted twice."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from apps.documents.models import FINISHED, Document, TaskRun
from apps.documents.services.storage import list_blobs, tenant_prefix
from apps.documents.services.upload import upload_document
from apps.documents.tasks import process_document
from apps.documents.validation import UploadRejected
from apps.tenancy.context import tenant_context
from golden.cases import load_cases
from tests.factories import TenantFactory

SOURCES = [c.content() for c in load_cases(group="good") if c.file[:3] in {"001", "024", "027", "036"}]


def _mangle(data: bytes, cut: int, flips: list[int]) -> bytes:
    mangled = bytearray(data[: max(1, cut)])
    for position in flips:
        mangled[position % len(mangled)] ^= 0x5A
    return bytes(mangled)


def _noise_image(seed: int, fmt: str) -> bytes:
    """A valid image of nonsense: it passes validation, then OCR finds nothing useful."""
    import io
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("L", (rng.randint(200, 900), rng.randint(200, 900)), 255)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(0, 40)):
        x, y = rng.randint(0, image.width), rng.randint(0, image.height)
        draw.text((x, y), "".join(rng.choice("£0123456789.,VAT Total xyz") for _ in range(rng.randint(1, 12))), fill=0)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def _nonsense_pdf(lines: list[str]) -> bytes:
    from tests.documents.samples import pdf_bytes

    return pdf_bytes([line.encode("latin-1", "replace").decode("latin-1") for line in lines] or [" "])


bad_bytes = st.one_of(
    st.builds(_noise_image, st.integers(0, 10**6), st.sampled_from(["PNG", "JPEG", "TIFF"])),
    st.builds(_nonsense_pdf, st.lists(st.text(max_size=60), max_size=8)),
    st.binary(max_size=2048),
    st.builds(
        _mangle,
        st.sampled_from(SOURCES),
        st.integers(min_value=1, max_value=400_000),
        st.lists(st.integers(min_value=0, max_value=10**6), max_size=6),
    ),
)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])  # fmt: skip
@given(content=bad_bytes, name=st.sampled_from(["scan.pdf", "photo.jpg", "x", "../../evil.png"]))
def test_bad_bytes_end_clearly_and_leave_nothing_orphaned(content, name):
    tenant = TenantFactory()
    with tenant_context(tenant):
        from apps.ledger.services.accounts import seed_chart_of_accounts

        seed_chart_of_accounts(tenant)
    try:
        document = upload_document(tenant=tenant, content=content, filename=name).document
    except UploadRejected as exc:
        event(f"refused: {exc.code}")
        assert exc.reason and exc.code
        assert list_blobs(tenant_prefix(tenant.pk)) == []
        with tenant_context(tenant):
            assert not Document.objects.exists() and not TaskRun.objects.exists()
        return
    with tenant_context(tenant):
        run = TaskRun.objects.get(document=document)
    process_document.apply(kwargs={"tenant_id": str(tenant.pk), "document_id": str(document.pk), "run_id": str(run.pk)})
    from apps.ledger.models import JournalEntry

    with tenant_context(tenant):
        document.refresh_from_db()
        event(f"accepted, ended {document.state}")
        assert document.state in FINISHED
        if document.state == "failed":
            assert document.failure_reason
        assert JournalEntry.objects.filter(source_document_id=document.pk).count() <= 1
        stored = {d.storage_name for d in Document.objects.exclude(storage_name="")}
    assert set(list_blobs(tenant_prefix(tenant.pk))) == stored
