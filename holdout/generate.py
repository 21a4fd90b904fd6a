"""Write the holdout set: documents and expected outputs, from fixed seeds (``python -m holdout.generate``).

    .venv/bin/python -m holdout.generate          # holdout/documents/ and holdout/expected/
    .venv/bin/python -m holdout.generate --check  # regenerate in memory, report any difference

The truth comes from the generator's own data (what it prints), never from the extractor. Re-running
writes byte-identical files. Fonts come from Debian packages (holdout.gen.pen.DEBIAN_FONT_PACKAGES); the
documents are committed, so the fonts are only needed to regenerate.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from holdout.gen import photo
from holdout.gen.catalogue import documents
from holdout.gen.layouts import render
from holdout.gen.model import Doc
from holdout.gen.world import OWN_NAMES, OWN_VAT_NUMBERS, TENANT

HOLDOUT = Path(__file__).resolve().parent
DOCUMENTS = HOLDOUT / "documents"
EXPECTED = HOLDOUT / "expected"


def document_bytes(doc: Doc) -> bytes:
    pdf = render(doc)
    if doc.output == "pdf":
        return pdf
    rng = doc.rng
    if doc.photo:
        pages = [photo.photograph(page, doc.photo, rng) for page in photo.rasterise(pdf, doc.dpi or 200)]
        quality = 45 if "jpeg" in doc.photo else 80
    else:
        pages = [photo.scan(page, rng) for page in photo.rasterise(pdf, doc.dpi or 200, grey=True)]
        quality = 85
    return photo.encode(pages, doc.output, doc.dpi or 200, quality=quality, title=f"Scan {doc.number:03d}")


def tenant_json() -> dict:
    return {"name": TENANT.name, "vat_number": TENANT.vat_number, "own_names": OWN_NAMES,
            "own_vat_numbers": OWN_VAT_NUMBERS}  # fmt: skip


def build() -> tuple[dict[str, bytes], dict[str, dict]]:
    files: dict[str, bytes] = {}
    outputs: dict[str, dict] = {"_tenant.json": tenant_json()}
    for doc in documents():
        files[doc.name] = document_bytes(doc)
        outputs[doc.name] = doc.truth(OWN_NAMES, OWN_VAT_NUMBERS)
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
    parser.add_argument("--check", action="store_true", help="regenerate in memory and compare with the files")
    parser.add_argument("--only", default="", help="write only documents whose name contains this (for a look)")
    args = parser.parse_args(argv)
    files, outputs = build()
    if args.check:
        problems = check(files, outputs)
        print("\n".join(problems) or f"holdout/ is up to date ({len(files)} documents).")
        return 1 if problems else 0
    write(files, outputs)
    total = sum(len(c) for c in files.values())
    photos = sum(1 for o in outputs.values() if o.get("photo"))
    print(
        f"Wrote {len(files)} documents ({photos} photo-like, {total / 1e6:.1f} MB) and {len(outputs)} expected files."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
