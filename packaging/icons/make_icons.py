"""Draw the app icon with Pillow and write every format the installers need.

Run ``python packaging/icons/make_icons.py``; it rewrites fmf.ico (Windows), fmf.icns
(macOS) and fmf-256.png (Linux .desktop, README) next to this script. The icon is drawn
by code rather than taken from any photo or artwork: a figurine silhouette (big head with
hair buns on a round display base) under a magnifying glass, on a rounded square.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
MASTER = 512  # the largest size written; drawn at 4x and downsampled for smooth edges
SS = 4
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]

BG_TOP = (92, 52, 170)
BG_BOTTOM = (226, 84, 146)
FIGURE = (255, 255, 255)
HAIR = (255, 214, 236)
GLASS = (40, 28, 70)


def _vertical_gradient(size: int, top: tuple, bottom: tuple) -> Image.Image:
    column = Image.new("RGB", (1, size))
    for y in range(size):
        t = y / (size - 1)
        mixed = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        column.putpixel((0, y), mixed)
    return column.resize((size, size))


def draw_icon(size: int = MASTER) -> Image.Image:
    big = size * SS
    s = big / 1024  # all coordinates below are on a 1024 grid

    def box(x0: float, y0: float, x1: float, y1: float) -> list[float]:
        return [x0 * s, y0 * s, x1 * s, y1 * s]

    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).rounded_rectangle(box(40, 40, 984, 984), radius=220 * s, fill=255)
    icon = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    icon.paste(_vertical_gradient(big, BG_TOP, BG_BOTTOM), (0, 0), mask)

    d = ImageDraw.Draw(icon)
    # Display base and body of the figurine.
    d.ellipse(box(250, 800, 690, 890), fill=(255, 255, 255, 150))
    d.polygon([(x * s, y * s) for x, y in [(385, 560), (555, 560), (625, 835), (315, 835)]],
              fill=FIGURE)
    # Hair buns, then the oversized head typical of chibi figures.
    d.ellipse(box(215, 215, 345, 345), fill=HAIR)
    d.ellipse(box(595, 215, 725, 345), fill=HAIR)
    d.ellipse(box(260, 240, 680, 620), fill=FIGURE)
    d.pieslice(box(260, 240, 680, 620), start=180, end=360, fill=HAIR)
    # Eyes.
    d.ellipse(box(365, 440, 415, 510), fill=GLASS)
    d.ellipse(box(525, 440, 575, 510), fill=GLASS)
    # Magnifying glass over the lower right: ring, lens tint, handle.
    d.ellipse(box(540, 520, 860, 840), outline=GLASS, width=round(46 * s))
    d.ellipse(box(586, 566, 814, 794), fill=(255, 255, 255, 60))
    d.line(box(815, 795, 930, 910), fill=GLASS, width=round(78 * s))
    return icon.resize((size, size), Image.Resampling.LANCZOS)


def write_icons(out_dir: Path = HERE) -> list[Path]:
    master = draw_icon(MASTER)
    png = out_dir / "fmf-256.png"
    master.resize((256, 256), Image.Resampling.LANCZOS).save(png, optimize=True)
    ico = out_dir / "fmf.ico"
    master.save(ico, sizes=ICO_SIZES)
    icns = out_dir / "fmf.icns"
    master.save(icns)
    return [png, ico, icns]


if __name__ == "__main__":
    for path in write_icons(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(f"{path} ({path.stat().st_size // 1024} KB)")
