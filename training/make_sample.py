"""Draw a synthetic figurine photo with code (no dataset pixels) for assets/sample.jpg.

The same drawing functions compose test photos (tests/support/photos.py): a shelf
background with chibi-style figurines whose head boxes are known exactly.

    python -m training.make_sample            # writes assets/sample.jpg
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]

# (hair RGB, eye RGB, outfit RGB): colour schemes for the drawn figurines.
PALETTES: list[tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]]] = [
    ((90, 170, 225), (40, 120, 200), (240, 240, 250)),  # blue twin-tails
    ((235, 150, 185), (200, 60, 110), (60, 60, 80)),  # pink
    ((250, 215, 120), (60, 150, 210), (170, 40, 50)),  # blonde
    ((60, 50, 70), (180, 40, 60), (230, 210, 230)),  # black
    ((140, 210, 150), (40, 160, 110), (250, 235, 200)),  # mint
    ((200, 200, 215), (120, 80, 190), (40, 40, 60)),  # silver
]


@dataclass(frozen=True)
class DrawnFigurine:
    head: tuple[int, int, int, int]  # x, y, w, h of the head (hair + face) in pixels


def shelf_background(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A wooden shelf against a wall, with noise and blur like a phone photo."""
    rng = np.random.default_rng(seed)
    img = np.zeros((height, width, 3), np.float32)
    wall_top = np.array([205, 208, 214], np.float32)
    wall_bottom = np.array([165, 170, 180], np.float32)
    t = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    img[:] = wall_top * (1 - t) + wall_bottom * t
    shelf_y = int(height * 0.78)
    wood = np.array([120, 84, 52], np.float32)
    grain = (np.sin(np.arange(width, dtype=np.float32) / 7.0) * 8)[None, :, None]
    img[shelf_y:] = wood + grain
    img[shelf_y:shelf_y + max(2, height // 120)] = wood * 0.6
    img += rng.normal(0, 4, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def draw_figurine(
    img: np.ndarray, cx: int, base_y: int, head: int, palette_index: int = 0
) -> DrawnFigurine:
    """Draw a chibi figurine standing on ``base_y`` with a head ``head`` pixels tall.

    Returns its head box. Chibi proportions: the body is about as tall as the head.
    """
    hair, eye, outfit = PALETTES[palette_index % len(PALETTES)]
    skin = (252, 226, 208)
    line = (70, 45, 40)
    s = head / 100.0  # drawing units: the head is 100 units tall

    def p(x: float, y: float) -> tuple[int, int]:
        return int(round(cx + x * s)), int(round(head_top + y * s))

    def r(v: float) -> int:
        return max(1, int(round(v * s)))

    body_h = head * 1.05
    base_h = head * 0.18
    head_top = int(base_y - base_h - body_h - head * 0.92)
    # Base disc and body (dress) first, so the head overlaps them.
    cv2.ellipse(img, p(0, 197), (r(60), r(14)), 0, 0, 360, (30, 30, 35), -1, cv2.LINE_AA)
    cv2.ellipse(img, p(0, 193), (r(56), r(10)), 0, 0, 360, (55, 55, 62), -1, cv2.LINE_AA)
    body = np.array([p(-22, 88), p(22, 88), p(48, 195), p(-48, 195)], np.int32)
    cv2.fillPoly(img, [body], outfit, cv2.LINE_AA)
    cv2.polylines(img, [body], True, line, r(1.2), cv2.LINE_AA)
    cv2.ellipse(img, p(-30, 140), (r(9), r(30)), 15, 0, 360, skin, -1, cv2.LINE_AA)
    cv2.ellipse(img, p(30, 140), (r(9), r(30)), -15, 0, 360, skin, -1, cv2.LINE_AA)
    # Back hair, twin tails, face, fringe.
    cv2.ellipse(img, p(0, 48), (r(54), r(52)), 0, 0, 360, hair, -1, cv2.LINE_AA)
    cv2.ellipse(img, p(-58, 80), (r(14), r(45)), 10, 0, 360, hair, -1, cv2.LINE_AA)
    cv2.ellipse(img, p(58, 80), (r(14), r(45)), -10, 0, 360, hair, -1, cv2.LINE_AA)
    cv2.ellipse(img, p(0, 60), (r(40), r(36)), 0, 0, 360, skin, -1, cv2.LINE_AA)
    cv2.ellipse(img, p(0, 34), (r(46), r(20)), 0, 180, 360, hair, -1, cv2.LINE_AA)
    for fx in (-28, -8, 12, 30):
        tri = np.array([p(fx - 12, 30), p(fx + 12, 30), p(fx, 46)], np.int32)
        cv2.fillPoly(img, [tri], hair, cv2.LINE_AA)
    # Big anime eyes: white, iris, pupil, highlight, upper lash line.
    for ex in (-17, 17):
        cv2.ellipse(img, p(ex, 62), (r(10), r(13)), 0, 0, 360, (255, 255, 255), -1, cv2.LINE_AA)
        cv2.ellipse(img, p(ex, 64), (r(8), r(11)), 0, 0, 360, eye, -1, cv2.LINE_AA)
        cv2.ellipse(img, p(ex, 66), (r(4), r(6)), 0, 0, 360, (25, 20, 35), -1, cv2.LINE_AA)
        cv2.circle(img, p(ex - 3, 59), r(3), (255, 255, 255), -1, cv2.LINE_AA)
        cv2.ellipse(img, p(ex, 58), (r(12), r(9)), 0, 200, 340, line, r(2.5), cv2.LINE_AA)
    cv2.ellipse(img, p(0, 84), (r(5), r(3)), 0, 0, 180, (170, 70, 70), r(1.5), cv2.LINE_AA)
    cv2.ellipse(img, p(-27, 76), (r(6), r(3)), 0, 0, 360, (250, 190, 185), -1, cv2.LINE_AA)
    cv2.ellipse(img, p(27, 76), (r(6), r(3)), 0, 0, 360, (250, 190, 185), -1, cv2.LINE_AA)
    x0, y0 = p(-56, -4)
    x1, y1 = p(56, 98)
    return DrawnFigurine(head=(x0, y0, x1 - x0, y1 - y0))


def shelf_photo(
    width: int,
    height: int,
    heads: list[tuple[float, int]],
    *,
    seed: int = 0,
    blur: float = 0.8,
) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """A shelf photo with figurines at horizontal positions (fraction of width) and head
    heights in pixels. Returns the RGB image and the head boxes."""
    img = shelf_background(width, height, seed)
    boxes = []
    for i, (fx, head) in enumerate(heads):
        # Stand the base disc (0.18 head above base_y) just behind the shelf's front edge.
        base_y = int(height * 0.80 + 0.18 * head)
        boxes.append(draw_figurine(img, int(fx * width), base_y, head, i).head)
    if blur > 0:
        img = cv2.GaussianBlur(img, (0, 0), blur)
    return img, boxes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "sample.jpg")
    args = parser.parse_args(argv)
    img, _ = shelf_photo(1024, 768, [(0.5, 300)], seed=7)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, 88])
    if not ok:
        raise SystemExit("could not encode the sample")
    args.out.write_bytes(buf.tobytes())
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
