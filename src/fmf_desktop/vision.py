"""Locating figurine heads in a photo with OpenCV and numpy only (no recognizer, no Qt).

A small linear detector scans an image pyramid: each 64x64 window is described by 8x8
cells of HOG-like gradient-orientation histograms plus the share of skin, dark and vivid
pixels, and scored by one learned weight per feature (``assets/locator.npz``, trained by
``training/train_locator.py`` on drawn faces, code-drawn figurines and photo backgrounds).
Scoring every window is a handful of 8x8 correlations per pyramid level, so a 12 MP photo
costs tens of milliseconds. Candidates are ranked and de-duplicated with non-maximum
suppression. When the weights file is missing, a colour heuristic (skin-coloured blobs
with sharp detail inside) stands in, so the app still offers boxes.

Why not a packaged detector: OpenCV 5 dropped CascadeClassifier (so the well-known anime
face cascade cannot be loaded), and the one anime-face package on PyPI (``animeface``,
Apache-2.0, a native library) ships no Windows wheel and found no faces in our composed
test photos.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from fmf_desktop.paths import assets_dir
from fmf_desktop.results import Box

#: Longer side of the downscaled copy the locator works on; keeps a 12 MP photo cheap.
#: A 64 px window at this size is a head of 1/20 of the photo's longer side.
WORK_SIDE = 1280
#: Ratio between pyramid levels (window sizes grow by this factor).
PYRAMID_STEP = 1.2
MAX_RAW_CANDIDATES = 300
CELL = 8
WINDOW_CELLS = 8  # the detector looks at 8x8 cells = 64x64 pixels
ORIENTATIONS = 9
CHANNELS = ORIENTATIONS + 3  # gradient orientations + skin, dark, vivid colour fractions


_ORIENTATION_LUT = np.array(
    [((2 * v) % 180) * ORIENTATIONS // 180 for v in range(256)], np.uint8
)


def _cell_index(hc: int, wc: int) -> np.ndarray:
    rows = (np.arange(hc * CELL, dtype=np.int32) // CELL)[:, None] * wc
    return rows + (np.arange(wc * CELL, dtype=np.int32) // CELL)[None, :]


def cell_features(rgb: np.ndarray) -> np.ndarray:
    """Per-cell (8x8 px) features: a HOG-like histogram of gradient orientations,
    normalised by the local contrast, plus the fraction of skin, dark and vivid pixels.

    Returns an array of shape (H // 8, W // 8, CHANNELS), float32.
    """
    h, w = rgb.shape[:2]
    hc, wc = h // CELL, w // CELL
    rgb = np.ascontiguousarray(rgb[: hc * CELL, : wc * CELL])
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=1)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=1)
    mag, ang = cv2.cartToPolar(gx, gy, angleInDegrees=True)
    # Unsigned orientation (a dark line on light and light on dark look the same), binned
    # through a lookup table on half-degrees: much faster than float arithmetic.
    half_degrees = cv2.convertScaleAbs(ang, alpha=0.5)
    bins = cv2.LUT(half_degrees, _ORIENTATION_LUT)
    cell_index = _cell_index(hc, wc)
    slots = (cell_index * ORIENTATIONS + bins).ravel()
    hist = np.bincount(slots, weights=mag.ravel(), minlength=hc * wc * ORIENTATIONS)
    feats = np.empty((hc, wc, CHANNELS), np.float32)
    feats[:, :, :ORIENTATIONS] = hist.reshape(hc, wc, ORIENTATIONS) / float(CELL * CELL)
    # Normalise by the gradient energy of the 3x3 cell neighbourhood, like HOG blocks, so
    # a low-contrast photo and crisp line art give comparable shapes.
    energy = feats[:, :, :ORIENTATIONS].sum(axis=2)
    local = cv2.blur(energy, (3, 3), borderType=cv2.BORDER_REFLECT)
    feats[:, :, :ORIENTATIONS] /= (local + 8.0)[:, :, None]
    np.minimum(feats[:, :, :ORIENTATIONS], 0.5, out=feats[:, :, :ORIENTATIONS])
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    skin = cv2.inRange(hsv, (0, 8, 100), (25, 140, 255)) | cv2.inRange(
        hsv, (168, 8, 100), (180, 140, 255))
    dark = cv2.inRange(hsv, (0, 0, 0), (180, 255, 79))
    vivid = cv2.inRange(hsv, (0, 121, 80), (180, 255, 255))
    for k, m in enumerate((skin, dark, vivid)):
        small = cv2.resize(m, (wc, hc), interpolation=cv2.INTER_AREA)
        feats[:, :, ORIENTATIONS + k] = small.astype(np.float32) * (1.0 / 255.0)
    return feats


@dataclass(frozen=True)
class ScoredBox:
    box: Box
    score: float  # higher = more head-like; only meaningful for ranking within one photo


@dataclass(frozen=True)
class LocatorWeights:
    """The learned linear window scorer (see training/train_locator.py)."""

    weights: np.ndarray  # (WINDOW_CELLS, WINDOW_CELLS, CHANNELS) float32
    bias: float
    threshold: float  # window score (logit) above which a window is a candidate


def default_locator_path() -> Path:
    return assets_dir() / "locator.npz"


def load_locator(path: Path | None = None) -> LocatorWeights | None:
    """The detector weights, or None when the file is missing or unusable."""
    path = Path(path or default_locator_path())
    try:
        with np.load(path) as data:
            weights = np.asarray(data["weights"], np.float32)
            bias = float(data["bias"])
            threshold = float(data["threshold"])
    except (OSError, KeyError, ValueError):
        return None
    if weights.shape != (WINDOW_CELLS, WINDOW_CELLS, CHANNELS):
        return None
    return LocatorWeights(weights, bias, threshold)


def locate_figurines(
    rgb: np.ndarray, *, max_candidates: int = 12, locator: LocatorWeights | None = None
) -> list[Box]:
    """Head boxes (image pixels) of the figurines in ``rgb``, best first, de-duplicated."""
    return [s.box for s in locate_scored(rgb, max_candidates=max_candidates, locator=locator)]


#: Side of the thumbnail ``looks_blank`` inspects: one cell is 1/32 of each side of the
#: photo, smaller than any figure worth naming.
BLANK_THUMBNAIL_SIDE = 32
#: Most a thumbnail's values may differ (in any of R, G, B, of 0..255) for the picture to
#: count as blank. A plain or fully transparent picture differs by 0, and JPEG noise or
#: a gentle gradient on one by a few levels; the flattest of the 9,560 real photos and
#: drawn faces in the development data (lego-minifig-photos, holoen-faces) still spans
#: 71 levels and the bundled sample over 200, so real photos are far from it.
BLANK_MAX_SPREAD = 12


def looks_blank(rgb: np.ndarray) -> bool:
    """True when the picture is (nearly) one flat colour, with nothing in it to name.

    Cheap (an area-averaged 32x32 copy), so it can run on every photo the locator found
    nothing in.
    """
    if rgb.size == 0:
        return True
    thumb = cv2.resize(np.ascontiguousarray(rgb), (BLANK_THUMBNAIL_SIDE, BLANK_THUMBNAIL_SIDE),
                       interpolation=cv2.INTER_AREA).reshape(-1, rgb.shape[2])
    spread = thumb.max(axis=0).astype(np.int16) - thumb.min(axis=0)
    return int(spread.max()) <= BLANK_MAX_SPREAD


def locate_scored(
    rgb: np.ndarray, *, max_candidates: int = 12, locator: LocatorWeights | None = None
) -> list[ScoredBox]:
    if rgb.ndim != 3 or rgb.shape[2] != 3 or min(rgb.shape[:2]) < 16:
        return []
    locator = locator or load_locator()
    if locator is None:
        return _locate_by_colour(rgb, max_candidates)
    h, w = rgb.shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    work = _resize(rgb, scale)
    cands: list[ScoredBox] = []
    level_scale = 1.0
    win = WINDOW_CELLS * CELL
    level = work
    while min(level.shape[:2]) >= win:
        factor = 1.0 / (scale * level_scale)  # level pixels -> photo pixels
        cands += _scan_level(level, locator, factor, 0, 0, w, h)
        # Each level is resized from the previous one: cheaper than from the base.
        level_scale /= PYRAMID_STEP
        level = cv2.resize(level,
                           (max(1, round(work.shape[1] * level_scale)),
                            max(1, round(work.shape[0] * level_scale))),
                           interpolation=cv2.INTER_AREA)
    # A close-up whose head fills the whole frame: score the photo itself as one window,
    # padded to a square (the pyramid stops at windows somewhat smaller than the photo).
    side = max(work.shape[:2])
    top, left = (side - work.shape[0]) // 2, (side - work.shape[1]) // 2
    square = cv2.copyMakeBorder(work, top, side - work.shape[0] - top, left,
                                side - work.shape[1] - left, cv2.BORDER_REPLICATE)
    square = cv2.resize(square, (win, win), interpolation=cv2.INTER_AREA)
    factor = side / win / scale
    cands += _scan_level(square, locator, factor, -left / scale, -top / scale, w, h)
    # Only the best few hundred matter; this keeps the pure-Python NMS cheap.
    cands.sort(key=lambda s: s.score, reverse=True)
    del cands[MAX_RAW_CANDIDATES:]
    return nms(cands, iou_threshold=0.3)[:max_candidates]


def _scan_level(
    level: np.ndarray, locator: LocatorWeights, factor: float, dx: float, dy: float,
    w: int, h: int,
) -> list[ScoredBox]:
    """Candidate boxes (photo pixels) from one pyramid level; ``factor`` maps level
    pixels to photo pixels and (dx, dy) is the level's origin in the photo."""
    scores = window_scores(cell_features(level), locator)
    ys, xs = np.nonzero(scores > locator.threshold)
    win = WINDOW_CELLS * CELL
    out = []
    for y, x in zip(ys.tolist(), xs.tolist(), strict=True):
        box = _clip_box(
            round(dx + x * CELL * factor), round(dy + y * CELL * factor),
            round(win * factor), round(win * factor), w, h,
        )
        if box is not None:
            out.append(ScoredBox(box, float(scores[y, x])))
    return out


def window_scores(feats: np.ndarray, locator: LocatorWeights) -> np.ndarray:
    """Score of the window whose top-left cell is (i, j), for every valid (i, j)."""
    hc, wc = feats.shape[:2]
    if hc < WINDOW_CELLS or wc < WINDOW_CELLS:
        return np.zeros((0, 0), np.float32)
    total = np.zeros((hc, wc), np.float32)
    for c in range(CHANNELS):
        # filter2D correlates; anchor (0, 0) puts the window's top-left cell at (i, j).
        total += cv2.filter2D(feats[:, :, c], cv2.CV_32F, locator.weights[:, :, c],
                              anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
    return total[: hc - WINDOW_CELLS + 1, : wc - WINDOW_CELLS + 1] + locator.bias


def _resize(rgb: np.ndarray, scale: float) -> np.ndarray:
    if scale >= 1.0:
        return rgb
    h, w = rgb.shape[:2]
    factor = int(1.0 / scale)
    if factor >= 2:
        # OpenCV's area resize is much faster for whole-number ratios: shrink by the
        # whole part first, then the small remainder.
        rgb = cv2.resize(rgb, (w // factor, h // factor), interpolation=cv2.INTER_AREA)
    return cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))),
                      interpolation=cv2.INTER_AREA)


def _locate_by_colour(rgb: np.ndarray, max_candidates: int) -> list[ScoredBox]:
    """Fallback without detector weights: skin-coloured blobs with detail inside."""
    h, w = rgb.shape[:2]
    scale = min(1.0, 640 / max(h, w))
    small = _resize(rgb, scale)
    out: list[ScoredBox] = []
    for face, score in _skin_face_candidates(small):
        head = _face_to_head(face, small.shape[1], small.shape[0])
        hx, hy, hw, hh = (v / scale for v in head)
        box = _clip_box(round(hx), round(hy), round(hw), round(hh), w, h)
        if box is not None:
            out.append(ScoredBox(box, score))
    return nms(out, iou_threshold=0.3)[:max_candidates]


def skin_mask(rgb: np.ndarray) -> np.ndarray:
    """uint8 mask (0/255) of light, low-saturation warm pixels: drawn or painted skin."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue, sat, val = hsv[:, :, 0], hsv[:, :, 1], hsv[:, :, 2]
    warm = (hue <= 25) | (hue >= 165)
    mask = warm & (sat >= 10) & (sat <= 150) & (val >= 110)
    return mask.astype(np.uint8) * 255


def _skin_face_candidates(small: np.ndarray) -> list[tuple[tuple[int, int, int, int], float]]:
    h, w = small.shape[:2]
    mask = skin_mask(small)
    k = max(3, (min(h, w) // 160) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel, iterations=2)

    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(grey, 60, 160)
    global_density = max(float(edges.mean()) / 255.0, 1e-3)

    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    min_area = max(40, int(0.0008 * h * w))
    found: list[tuple[tuple[int, int, int, int], float]] = []
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if area < min_area or bw < 6 or bh < 6:
            continue
        aspect = bw / bh
        if not 0.35 <= aspect <= 2.8:
            continue
        fill = area / float(bw * bh)
        if fill < 0.25:
            continue
        # Eyes and line art: sharp edges inside the blob's box, relative to the photo.
        inner = edges[y:y + bh, x:x + bw]
        detail = float(inner.mean()) / 255.0
        if detail < 0.02:
            continue
        # Holes in the blob (eyes, mouth) are what separates a face from a plain patch.
        blob = (labels[y:y + bh, x:x + bw] == i).astype(np.uint8)
        filled = _fill_holes(blob)
        holes = float(filled.sum() - blob.sum()) / max(1.0, float(filled.sum()))
        score = (
            min(detail / global_density, 4.0)
            * (0.3 + min(holes, 0.3) * 3.0)
            * (0.5 + fill)
            * np.sqrt(area / float(h * w))
        )
        found.append(((x, y, bw, bh), float(score)))
    found.sort(key=lambda item: item[1], reverse=True)
    return found


def _fill_holes(blob: np.ndarray) -> np.ndarray:
    padded = cv2.copyMakeBorder(blob, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    flood = padded.copy()
    ff_mask = np.zeros((padded.shape[0] + 2, padded.shape[1] + 2), np.uint8)
    cv2.floodFill(flood, ff_mask, (0, 0), 1)
    holes = (flood == 0).astype(np.uint8)
    return (padded | holes)[1:-1, 1:-1]


def _face_to_head(face: tuple[int, int, int, int], w: int, h: int) -> tuple[float, ...]:
    """Grow a face (skin) box to a square head box: hair above and around the face."""
    x, y, bw, bh = face
    side = max(bw, bh) * 1.35
    cx = x + bw / 2.0
    cy = y + bh / 2.0 - 0.1 * side  # hair sits mostly above the face
    return (cx - side / 2.0, cy - side / 2.0, side, side)


def _clip_box(x: int, y: int, bw: int, bh: int, w: int, h: int) -> Box | None:
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(w, x + bw), min(h, y + bh)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    return Box(x0, y0, x1 - x0, y1 - y0)


def nms(boxes: list[ScoredBox], *, iou_threshold: float = 0.3) -> list[ScoredBox]:
    """Keep the best-scored box of each overlapping group (also drops boxes nested inside
    a better one, which IoU alone would keep)."""
    kept: list[ScoredBox] = []
    for cand in sorted(boxes, key=lambda s: s.score, reverse=True):
        if all(not _overlaps(cand.box, k.box, iou_threshold) for k in kept):
            kept.append(cand)
    return kept


def _overlaps(a: Box, b: Box, iou_threshold: float) -> bool:
    if a.iou(b) > iou_threshold:
        return True
    ix = max(0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))
    iy = max(0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    smaller = min(a.area, b.area)
    return smaller > 0 and ix * iy / smaller > 0.7
