"""Build step: render resources/icons/sfloader.svg to the per-OS icon files (.png sizes, .ico, .icns).

Qt's QSvgRenderer draws the SVG (Pillow cannot read SVG; QtSvg already ships with PySide6-Essentials).
Pillow packs the renderings into one multi-size .ico and .icns: Qt's own ico/icns writers store a
single image per file, while Windows wants 16-256 px in one .ico and macOS 16-1024 px in one .icns.

    uv run --group build python packaging/make_icons.py OUT_DIR
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "sfloader.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)  # hicolor theme sizes for Linux, window icons
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # what Windows Explorer and the taskbar pick from
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)  # the macOS icon set, retina sizes included


def render(renderer: QSvgRenderer, size: int) -> Image.Image:
    """One square rendering, drawn at that size (crisper at 16 px than scaling a big one down)."""
    image = QImage(size, size, QImage.Format.Format_RGBA8888)  # Pillow's RGBA byte order
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    pixels = bytes(image.constBits())
    return Image.frombuffer("RGBA", (size, size), pixels, "raw", "RGBA", image.bytesPerLine(), 1).copy()


def make_icons(out: Path) -> list[Path]:
    """Write sfloader-<n>.png, sfloader.ico and sfloader.icns into ``out``; return their paths."""
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SVG}")
    out.mkdir(parents=True, exist_ok=True)
    images = {size: render(renderer, size) for size in sorted({*PNG_SIZES, *ICO_SIZES, *ICNS_SIZES})}
    written = []
    for size in PNG_SIZES:
        path = out / f"sfloader-{size}.png"
        images[size].save(path)
        written.append(path)
    ico, icns = out / "sfloader.ico", out / "sfloader.icns"
    biggest = images[max(ICO_SIZES)]
    biggest.save(ico, sizes=[(s, s) for s in ICO_SIZES], append_images=[images[s] for s in ICO_SIZES])
    images[max(ICNS_SIZES)].save(icns, append_images=[images[s] for s in ICNS_SIZES])
    return [*written, ico, icns]


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "build" / "icons"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a build machine has no display
    app = QGuiApplication.instance() or QGuiApplication(["make_icons"])
    for path in make_icons(out):
        print(path)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
