"""A thin drawing helper over a reportlab canvas with the holdout's TrueType fonts (no base-14 fonts)."""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_DIR = Path("/usr/share/fonts/truetype")
# family -> (regular, bold) files; Debian packages fonts-liberation, fonts-dejavu-core, fonts-dejavu-extra.
FAMILIES = {
    "LiberationSans": ("liberation/LiberationSans-Regular.ttf", "liberation/LiberationSans-Bold.ttf"),
    "LiberationSerif": ("liberation/LiberationSerif-Regular.ttf", "liberation/LiberationSerif-Bold.ttf"),
    "LiberationMono": ("liberation/LiberationMono-Regular.ttf", "liberation/LiberationMono-Bold.ttf"),
    "LiberationSansNarrow": ("liberation/LiberationSansNarrow-Regular.ttf", "liberation/LiberationSansNarrow-Bold.ttf"),
    "DejaVuSans": ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf"),
    "DejaVuSerif": ("dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSerif-Bold.ttf"),
    "DejaVuSansMono": ("dejavu/DejaVuSansMono.ttf", "dejavu/DejaVuSansMono-Bold.ttf"),
    "DejaVuSansCondensed": ("dejavu/DejaVuSansCondensed.ttf", "dejavu/DejaVuSansCondensed-Bold.ttf"),
    "DejaVuSerifCondensed": ("dejavu/DejaVuSerifCondensed.ttf", "dejavu/DejaVuSerifCondensed-Bold.ttf"),
}
DEBIAN_FONT_PACKAGES = ("fonts-liberation", "fonts-dejavu-core", "fonts-dejavu-extra")


def register(family: str) -> tuple[str, str]:
    regular, bold = FAMILIES[family]
    names = (f"HO-{family}", f"HO-{family}-Bold")
    for name, file in zip(names, (regular, bold), strict=True):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    return names


class Pen:
    """Text and rules at absolute positions (points from the bottom-left, like PDF)."""

    def __init__(self, canvas: Canvas, family: str, size: float = 9.5) -> None:
        self.c = canvas
        self.regular, self.bold = register(family)
        self.size = size

    def text(self, x: float, y: float, s: str, *, size: float | None = None, bold: bool = False,
             align: str = "left", grey: float = 0.0) -> None:  # fmt: skip
        self.c.setFillGray(grey)
        self.c.setFont(self.bold if bold else self.regular, size or self.size)
        {"left": self.c.drawString, "right": self.c.drawRightString, "center": self.c.drawCentredString}[align](x, y, s)
        self.c.setFillGray(0)

    def width(self, s: str, *, size: float | None = None, bold: bool = False) -> float:
        return pdfmetrics.stringWidth(s, self.bold if bold else self.regular, size or self.size)

    def rule(self, x1: float, y1: float, x2: float, y2: float, *, width: float = 0.6, grey: float = 0.0) -> None:
        self.c.setStrokeGray(grey)
        self.c.setLineWidth(width)
        self.c.line(x1, y1, x2, y2)
        self.c.setStrokeGray(0)

    def box(self, x: float, y: float, w: float, h: float, *, fill: float | None = None, width: float = 0.6) -> None:
        self.c.setLineWidth(width)
        if fill is not None:
            self.c.setFillGray(fill)
        self.c.rect(x, y, w, h, stroke=1, fill=1 if fill is not None else 0)
        self.c.setFillGray(0)

    def dashes(self, x1: float, x2: float, y: float) -> None:
        self.c.setDash(2, 2)
        self.rule(x1, y, x2, y, width=0.5)
        self.c.setDash()
