"""Upload validation: the bytes decide, every refusal says why, nothing odd gets through."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.documents.validation import JPEG, PDF, PNG, TIFF, UploadLimits, UploadRejected, inspect_upload
from tests.documents.samples import image_bytes, pdf_bytes

LIMITS = UploadLimits(max_bytes=2_000_000, max_pages=5, max_pixels=10_000_000)


@pytest.mark.parametrize(
    ("content", "content_type", "pages"),
    [
        (lambda: pdf_bytes(pages=3), PDF, 3),
        (lambda: image_bytes("PNG"), PNG, 1),
        (lambda: image_bytes("JPEG"), JPEG, 1),
        (lambda: image_bytes("TIFF", frames=2), TIFF, 2),
    ],
)
def test_accepted_types_are_recognised_by_content(content, content_type, pages):
    data = content()
    info = inspect_upload(data, limits=LIMITS)
    assert (info.content_type, info.pages, info.size) == (content_type, pages, len(data))
    assert len(info.sha256) == 64


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (lambda: b"", "empty", "empty"),
        (lambda: b"x" * 2_000_001, "too_large", "limit is 2 MB"),
        (lambda: b"GIF89a" + b"\0" * 100, "unsupported_type", "not a PDF, PNG, JPEG or TIFF"),
        (lambda: b"Date,Amount\n2026-01-01,12.00\n", "unsupported_type", "judged by its content"),
        (lambda: pdf_bytes()[:400], "corrupt_pdf", "damaged or incomplete"),
        (lambda: pdf_bytes(encrypt="secret"), "encrypted_pdf", "password-protected"),
        (lambda: pdf_bytes(pages=6), "too_many_pages", "6 pages; the limit is 5"),
        (lambda: pdf_bytes(size=(72 * 60, 72 * 60)), "page_too_large", "far larger than a document page"),
        (lambda: image_bytes("PNG")[:300], "corrupt_image", "PNG image is damaged"),
        (lambda: image_bytes("JPEG")[:500], "corrupt_image", "JPEG image is damaged"),
        (lambda: image_bytes("PNG", size=(4000, 3000)), "too_many_pixels", "4000 × 3000 pixels"),
        (lambda: image_bytes("TIFF", size=(100, 100), frames=6), "too_many_pages", "6 pages"),
    ],
)
def test_refusals_have_a_code_and_a_reason_for_people(content, code, words):
    with pytest.raises(UploadRejected) as excinfo:
        inspect_upload(content(), limits=LIMITS)
    assert excinfo.value.code == code
    assert words in excinfo.value.reason


def test_a_png_named_pdf_is_judged_by_its_bytes():
    assert inspect_upload(image_bytes("PNG"), limits=LIMITS).content_type == PNG


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_are_refused_or_accepted_never_crash(data):
    try:
        inspect_upload(data, limits=LIMITS)
    except UploadRejected as exc:
        assert exc.reason and exc.code


_SAMPLES = {"pdf": pdf_bytes(pages=2), "png": image_bytes("PNG"), "jpeg": image_bytes("JPEG"),
            "tiff": image_bytes("TIFF", frames=2)}  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(_SAMPLES)), st.data())
def test_truncated_and_corrupted_files_are_refused_or_read_never_crash(kind, data):
    original = _SAMPLES[kind]
    cut = data.draw(st.integers(min_value=1, max_value=len(original)))
    mutated = bytearray(original[:cut])
    flips = data.draw(st.lists(st.integers(min_value=0, max_value=max(len(mutated) - 1, 0)), max_size=8))
    for position in flips:
        mutated[position] ^= 0xFF
    try:
        inspect_upload(bytes(mutated), limits=LIMITS)
    except UploadRejected as exc:
        assert exc.reason
