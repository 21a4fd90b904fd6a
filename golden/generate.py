"""Write the golden dataset: documents, expected outputs and the trial balance, from fixed seeds.

    .venv/bin/python golden/generate.py              # golden/documents/ and golden/expected/
    .venv/bin/python golden/generate.py --oversized  # also var/golden/046-oversized.pdf (21 MB, not committed)

The truth comes from the generator's own data (what it prints), never from the
extractor. Re-running writes byte-identical files (reportlab ``invariant=1``,
seeded noise); ``--check`` regenerates into memory and reports any difference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from golden.gen import photo, scan  # noqa: E402
from golden.gen.catalogue import BAD_INPUTS, DUPLICATES, OVERSIZED_BYTES, OWN_NAMES, documents  # noqa: E402
from golden.gen.model import DocSpec  # noqa: E402
from golden.gen.templates import render  # noqa: E402
from golden.gen.truth import expected, trial_balance, vat_return  # noqa: E402

GOLDEN = ROOT / "golden"
DOCUMENTS = GOLDEN / "documents"
EXPECTED = GOLDEN / "expected"
ON_DEMAND = ROOT / "var" / "golden"
OVERSIZED_NAME = f"046-{BAD_INPUTS[46][0]}.pdf"


def document_bytes(spec: DocSpec) -> bytes:
    pdf = render(spec)
    if spec.output == "pdf":
        return pdf
    photo = spec.template == "receipt" and spec.output == "jpg"
    grain = 10 if spec.output in ("jpg", "scanpdf") else 0
    pages = scan.scanned_pages(pdf, spec.dpi, spec.seed, photo=photo, grain=grain)
    try:
        if spec.output == "png":
            return scan.to_png(pages, spec.dpi)
        if spec.output == "jpg":
            return scan.to_jpeg(pages, spec.dpi)
        if spec.output == "tif":
            return scan.to_tiff(pages, spec.dpi)
        return scan.to_scanned_pdf(pages, spec.dpi, f"Scan {spec.number:03d}")
    finally:
        for page in pages:
            page.close()


def encrypted_pdf(spec: DocSpec) -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption

    return render(spec, encrypt=StandardEncryption("hollybush", ownerPassword="owner-secret", strength=128))


def oversized_pdf(size: int = OVERSIZED_BYTES) -> bytes:
    """A well-formed one-page PDF whose page is a large noise image: only its size is wrong."""
    side = int((size + 50_000) ** 0.5) + 1
    data = random.Random(46).randbytes(side * side)  # noqa: S311 - reproducible filler bytes
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 "
        b"/Length %d >>\nstream\n" % (side, side, len(data)) + data + b"\nendstream",
    ]
    content = b"q 595 0 0 842 0 0 cm /Im1 Do Q"
    objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
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


def build() -> tuple[dict[str, bytes], dict[str, dict]]:
    """All files (name -> bytes) and expected outputs (name -> dict), in memory."""
    specs = documents()
    files: dict[str, bytes] = {}
    outputs: dict[str, dict] = {}
    for spec in specs:
        files[spec.name] = document_bytes(spec)
        outputs[spec.name] = expected(spec)
    by_number = {s.number: s for s in specs}
    for variant in photo.VARIANTS:  # phone-photo variants: the original's rendering and truth, another name
        original = by_number[variant.original]
        spec = photo.variant_spec(original, variant)
        files[spec.name] = photo.photo_bytes(render(original), spec, variant)
        outputs[spec.name] = expected(spec)
        outputs[spec.name]["about"] |= {"photo_of": original.name, "degradation": variant.degradation}
    for number, (slug, original) in DUPLICATES.items():
        name = f"{number:03d}-{slug}.{by_number[original].name.rsplit('.', 1)[1]}"
        files[name] = files[by_number[original].name]
        outputs[name] = {"file": name, "group": "duplicate", "duplicate_of": by_number[original].name}
    first = files[by_number[1].name]
    bad = {44: first[: len(first) // 3], 45: encrypted_pdf(by_number[1])}
    for number, (slug, what, reason, code) in BAD_INPUTS.items():
        name = f"{number:03d}-{slug}.pdf"
        outputs[name] = {"file": name, "group": "bad_input", "expected_rejection": reason, "expected_code": code,
                         "about": what}  # fmt: skip
        if number in bad:
            files[name] = bad[number]
        else:
            outputs[name]["on_demand"] = {
                "path": f"var/golden/{name}",
                "size_bytes": len(oversized_pdf()),
                "command": ".venv/bin/python golden/generate.py --oversized",
            }
    goods = [o for o in outputs.values() if o["group"] == "good"]
    outputs["_trial_balance.json"] = trial_balance(goods)
    outputs["_vat_return.json"] = vat_return(goods)
    return files, outputs


def dump(data: dict) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def expected_name(name: str) -> str:
    return name if name.endswith(".json") else name.rsplit(".", 1)[0] + ".json"


def write(files: dict[str, bytes], outputs: dict[str, dict]) -> None:
    for folder in (DOCUMENTS, EXPECTED):
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("[0-9][0-9][0-9]-*"):
            stale.unlink()
    for name, content in files.items():
        (DOCUMENTS / name).write_bytes(content)
    for name, data in outputs.items():
        (EXPECTED / expected_name(name)).write_bytes(dump(data))


def ensure_oversized() -> Path:
    """The oversized file, written under var/golden/ when missing (it is never committed)."""
    path = ON_DEMAND / OVERSIZED_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(oversized_pdf())
    return path


def check(files: dict[str, bytes], outputs: dict[str, dict]) -> list[str]:
    problems = []
    for name, content in files.items():
        path = DOCUMENTS / name
        if not path.exists() or path.read_bytes() != content:
            problems.append(f"documents/{name} differs (sha256 now {hashlib.sha256(content).hexdigest()[:12]})")
    for name, data in outputs.items():
        path = EXPECTED / expected_name(name)
        if not path.exists() or path.read_bytes() != dump(data):
            problems.append(f"expected/{expected_name(name)} differs")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oversized", action="store_true", help="also write the 21 MB file under var/golden/")
    parser.add_argument("--check", action="store_true", help="regenerate in memory and compare with the files")
    args = parser.parse_args(argv)
    files, outputs = build()
    if args.check:
        problems = check(files, outputs)
        print("\n".join(problems) or f"golden/ is up to date ({len(files)} documents).")
        return 1 if problems else 0
    write(files, outputs)
    total = sum(len(c) for c in files.values())
    print(
        f"Wrote {len(files)} documents ({total / 1e6:.1f} MB) and {len(outputs)} expected files; own names {OWN_NAMES}."
    )
    if args.oversized:
        print(f"Wrote {ensure_oversized().relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
