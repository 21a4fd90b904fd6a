"""What a PDF costs once opened, measured before anything opens it for real.

Why: a PDF's streams are compressed, so a file of a few kilobytes can hold a
page description of tens of megabytes (Flate compresses repetition about a
thousandfold) or an image of a billion pixels. Reading such a file cost 45 s
and 1.5 GB in the OCR worker. The upload size limit cannot see that, so the
validator measures it here, cheaply:

- every stream is inflated in chunks and only counted, never kept, and the
  count stops at the limit, so measuring a bomb costs at most the limit in
  time and one chunk in memory;
- image streams are judged by their declared size (width × height), which is
  what decoding and rendering them costs, whatever their compression;
- everything else (page descriptions, forms, fonts) must inflate to at most
  ``max_inflated`` bytes in all.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.filters import ASCII85Decode, ASCIIHexDecode
from pypdf.generic import StreamObject

CHUNK = 64 * 1024
_FLATE = {"/FlateDecode", "/Fl"}
_TEXT_ENCODINGS = {"/ASCII85Decode": ASCII85Decode, "/A85": ASCII85Decode, "/ASCIIHexDecode": ASCIIHexDecode,
                   "/AHx": ASCIIHexDecode}  # fmt: skip


@dataclass(frozen=True)
class Bomb:
    """Why the PDF is refused: ``reason`` for people, ``code`` for machines."""

    reason: str
    code: str


def find_bomb(reader: PdfReader, *, max_inflated: int, max_image_pixels: int) -> Bomb | None:
    """The first resource bomb in the file, or None when opening it is affordable."""
    inflated = 0
    for generation, numbers in reader.xref.items():
        for number in numbers:
            try:
                obj = reader.get_object(number) if generation != 65535 else None
            except Exception:  # an unreadable object: the damage checks elsewhere judge the file
                obj = None
            if not isinstance(obj, StreamObject):
                continue
            if obj.get("/Subtype") == "/Image":
                pixels = _int(obj.get("/Width")) * _int(obj.get("/Height"))
                if pixels > max_image_pixels:
                    return Bomb(
                        f"This PDF holds an image of {pixels / 1_000_000:.0f} megapixels; the limit is "
                        f"{max_image_pixels // 1_000_000} megapixels.",
                        "image_too_large",
                    )
                continue
            inflated += _inflated_size(obj, max_inflated - inflated + 1)
            if inflated > max_inflated:
                return Bomb(
                    "This PDF's contents expand to more than "
                    f"{max_inflated // 1_000_000} MB when opened (a compression bomb), so it is not processed.",
                    "inflation_bomb",
                )
    return None


def _int(value) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def _filters(stream: StreamObject) -> list[str]:
    filters = stream.get("/Filter")
    if filters is None:
        return []
    return [str(f) for f in filters] if isinstance(filters, list) else [str(filters)]


def _inflated_size(stream: StreamObject, budget: int) -> int:
    """The stream's decoded size, counting at most ``budget`` bytes (then it returns ``budget``)."""
    data = stream._data  # the raw, still-encoded bytes: decoding them all is what we must not do
    for name in _filters(stream):
        if name in _TEXT_ENCODINGS:
            try:
                data = _TEXT_ENCODINGS[name].decode(data)  # never larger than its input
            except Exception:
                return len(data)
        elif name in _FLATE:
            return _count_inflate(data, budget)
        else:  # image codecs and rarer filters: their size is judged elsewhere
            return len(data)
    return len(data)


def _count_inflate(data: bytes, budget: int) -> int:
    inflater = zlib.decompressobj()
    total = 0
    pending = data
    try:
        while pending and total < budget:
            total += len(inflater.decompress(pending, CHUNK))
            pending = inflater.unconsumed_tail
    except zlib.error:
        pass  # damaged streams are PDFium's and pypdf's problem; count what inflated
    return min(total, budget)
