"""The resource-bomb group of bad inputs: small files that cost a lot once opened, made by code.

Nothing here is committed as a file: each bomb is built in memory from a few
lines (a 60 MB page description compresses to about 60 kB, so even that would
be a binary in the repository for no gain). Each case says where it must be
stopped and how:

- ``upload``: ``inspect_upload`` refuses it, with ``expected_code`` and a
  reason containing ``expected_rejection``;
- ``read``: the upload is accepted (the file is a valid document), and
  reading it fails quickly and cleanly with ``expected_rejection`` in the reason.
"""

from __future__ import annotations

import io
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class BombCase:
    name: str
    stage: str  # "upload" or "read"
    expected_rejection: str
    expected_code: str
    about: str
    make: Callable[[], bytes]


def raw_pdf(page_streams: list[bytes], *, compress: bool = True, media_box: str = "0 0 595 842") -> bytes:
    """A minimal, well-formed PDF with one content stream per page (Flate-compressed when ``compress``)."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for stream in page_streams:
        data = zlib.compress(stream, 9) if compress else stream
        content_number = len(objects) + 2
        kids.append(b"%d 0 R" % (content_number - 1))
        page = b"<< /Type /Page /Parent 2 0 R /MediaBox [%s] /Contents %d 0 R >>"
        objects.append(page % (media_box.encode(), content_number))
        flate = b" /Filter /FlateDecode" if compress else b""
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(data), flate) + data + b"\nendstream")
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def inflation_bomb(inflated: int = 60_000_000) -> bytes:
    """One page whose drawing instructions inflate to ``inflated`` bytes (about 60 kB on disk)."""
    line = b"0 0 m 1 1 l S\n"
    return raw_pdf([line * (inflated // len(line))])


def wide_image(width: int = 20_000, height: int = 1) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (width, height), 255).save(out, format="PNG")
    return out.getvalue()


def bit_flipped_pdf() -> bytes:
    """The first single-bit flip of ``001`` (in a fixed order) that pypdf still reads and PDFium refuses.

    Before PDFium judged uploads too, such a file was accepted and its page image was a server error.
    """
    import pypdf

    from apps.documents import pdfium

    original = (GOLDEN_DIR / "documents" / "001-quillfeather-invoice.pdf").read_bytes()
    rng = random.Random(1)  # noqa: S311 - a fixed order of flips, not a secret
    for _ in range(5000):
        flipped = bytearray(original)
        index = rng.randrange(len(flipped))
        flipped[index] ^= 1 << rng.randrange(8)
        content = bytes(flipped)
        if _pypdf_reads(pypdf, content) and not _pdfium_reads(pdfium, content):
            return content
    raise RuntimeError("no single-bit flip of 001 fools pypdf but not PDFium")


def _pypdf_reads(pypdf, content: bytes) -> bool:
    try:
        return len(pypdf.PdfReader(io.BytesIO(content), strict=False).pages) > 0
    except Exception:  # any failure means pypdf refuses it, which is not the case we look for
        return False


def _pdfium_reads(pdfium, content: bytes) -> bool:
    try:
        pdfium.page_count(content)
    except pdfium.RenderError:
        return False
    return True


def blank_pages_pdf(pages: int = 20) -> bytes:
    """A 'scan' of ``pages`` white A4 pages: tiny on disk, once 67 s of OCR."""
    image = b"q 595 0 0 842 0 0 cm 1 g 0 0 1 1 re f Q\n"  # a white rectangle: no text layer, nothing to read
    return raw_pdf([image] * pages)


CASES = [
    BombCase("inflation-bomb.pdf", "upload", "when opened", "inflation_bomb",
             "one page whose drawing instructions inflate from about 60 kB to 60 MB", inflation_bomb),
    BombCase("wide-image.png", "upload", "far narrower than any document page", "odd_shape",
             "a valid 20000 x 1 pixel PNG", wide_image),
    BombCase("bit-flipped.pdf", "upload", "damaged or incomplete", "corrupt_pdf",
             "001 with one bit flipped: pypdf reads it, PDFium refuses it", bit_flipped_pdf),
    BombCase("blank-pages.pdf", "read", "blank", "blank",
             "20 blank pages, a few kB: accepted, then read without running Tesseract on any page", blank_pages_pdf),
]  # fmt: skip
