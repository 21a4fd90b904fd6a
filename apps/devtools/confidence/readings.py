"""Readings for calibration: every good golden document, and degraded renderings of it, read and scored.

Why degraded renderings: the golden set has about twenty scans, too few to
learn how often an OCR reading at a given raw confidence is right. Each
document is also rendered as a photo (tilt, blur, uneven light, grain at
200 dpi) and as a poor photocopy (150 dpi, heavier blur and grain, JPEG 55),
seeded so a refit reads the same pixels. They are written to a temporary
folder only. Only golden documents are used: never the held-out set.

A reading keeps the raw confidences (before calibration), the extraction, and
which fields were right, so a refit or the gate's report need not read again
(``--readings`` saves and reuses them).
"""

from __future__ import annotations

import hashlib
import io
import random
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageFilter

from apps.documents.extraction.errors import ReadError
from apps.documents.extraction.reader import read_document
from apps.documents.validation import sniff

VARIANTS = ("photo", "photocopy")


@dataclass(frozen=True)
class Reading:
    document: str  # golden file name
    variant: str  # "original", "photo", "photocopy"
    clean: bool  # the golden truth expects it posted without review
    own_vat_numbers: list[str]
    extraction: dict[str, Any]  # Extraction.to_json() (calibrated confidences of the run that read it)
    raw: dict[str, float]  # raw confidence per present field
    correct: dict[str, bool]  # per compared field (10 scalars, vat_breakdown, lines)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reading:
        return cls(**data)


def _pages(content: bytes) -> list[Image.Image]:
    if sniff(content) == "application/pdf":
        from golden.gen.scan import rasterise

        return rasterise(content, 200)
    image = Image.open(io.BytesIO(content))
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append(image.convert("L"))
    return frames


def degrade(content: bytes, variant: str, seed: int) -> bytes:
    """A degraded rendering of a document as an image-only PDF (one JPEG per page)."""
    from golden.gen.scan import age, to_scanned_pdf

    rng = random.Random(seed)  # noqa: S311 - reproducible noise, not security
    pages = []
    for page in _pages(content):
        if variant == "photocopy":
            page = page.resize((page.width * 3 // 4, page.height * 3 // 4), Image.Resampling.BILINEAR)
            page = age(page, rng, 150, photo=False, grain=70).filter(ImageFilter.GaussianBlur(0.6))
        else:
            page = age(page, rng, 200, photo=True, grain=45)
        buffer = io.BytesIO()
        page.save(buffer, "JPEG", quality=55)  # a phone's or a cheap scanner's compression artefacts
        pages.append(Image.open(io.BytesIO(buffer.getvalue())).convert("L"))
    return to_scanned_pdf(pages, 150 if variant == "photocopy" else 200, title=variant)


def read_case(case, variant: str, content: bytes) -> Reading | None:
    from golden.compare import compare_extraction

    try:
        actual = read_document(content, sniff(content), own_names=case.own_names,
                               own_vat_numbers=case.own_vat_numbers)  # fmt: skip
    except ReadError:
        return None
    results = compare_extraction(case.expected, actual, document=case.file)
    return Reading(
        document=case.file,
        variant=variant,
        clean=case.expected.get("expected_state", "posted") == "posted",
        own_vat_numbers=list(case.own_vat_numbers),
        extraction=actual.to_json(),
        raw=dict(actual.raw_confidences),
        correct={r.field: bool(r.correct) for r in results},
    )


def collect(
    cases,
    variants: tuple[str, ...] = VARIANTS,
    progress: Callable[[str], None] | None = None,
    skip: Collection[tuple[str, str]] = (),
) -> Iterator[Reading]:
    """Each good case as it is, then each of its degraded renderings (seed from the file name: reproducible).

    ``skip``: (file, variant) pairs already read (a resumed run).
    """
    for case in cases:
        if case.group != "good":
            continue
        content = case.content()
        for variant in ("original", *variants):
            if (case.file, variant) in skip:
                continue
            seed = int.from_bytes(hashlib.sha256(f"{case.file}:{variant}".encode()).digest()[:4], "big")
            data = content if variant == "original" else degrade(content, variant, seed)
            reading = read_case(case, variant, data)
            if progress:
                progress(f"{case.file} {variant}: " + ("unreadable" if reading is None else
                         f"{sum(reading.correct.values())}/{len(reading.correct)} fields right"))  # fmt: skip
            if reading is not None:
                yield reading
