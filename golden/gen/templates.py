"""Four invoice and receipt layouts drawn with reportlab: table, till receipt, letter and minimal.

``render`` returns the PDF bytes of one born-digital document. Only the
standard PDF fonts are used (nothing to embed, nothing machine-specific), and
every canvas is ``invariant``, so re-running the generator writes identical bytes.
"""

from __future__ import annotations

import io

from . import letter, minimal, receipt, table
from .model import DocSpec

LAYOUTS = {"table": table.draw, "receipt": receipt.draw, "letter": letter.draw, "minimal": minimal.draw}


def render(spec: DocSpec, **kwargs) -> bytes:
    buf = io.BytesIO()
    LAYOUTS[spec.template](buf, spec, **kwargs)
    return buf.getvalue()
