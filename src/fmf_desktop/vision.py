"""Locating figurine heads in a photo with OpenCV only (no model, no Qt).

Anime figurines and drawings share a look: a smooth, light, low-saturation face with
large, sharply drawn eyes, framed by hair of almost any colour. We find skin-coloured
blobs, keep those whose inside has the sharp dark/colourful detail of eyes (a blurred
photo background or a plain wall has none), grow each face box to a head box, then rank
and de-duplicate with non-maximum suppression.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from fmf_desktop.results import Box

#: Longer side of the downscaled copy the locator works on; keeps a 12 MP photo cheap.
WORK_SIDE = 640


@dataclass(frozen=True)
class ScoredBox:
    box: Box
    score: float  # higher = more face-like; only meaningful for ranking within one photo


def locate_figurines(rgb: np.ndarray, *, max_candidates: int = 12) -> list[Box]:
    """Head boxes (image pixels) of the figurines in ``rgb``, best first, de-duplicated."""
    return [s.box for s in locate_scored(rgb, max_candidates=max_candidates)]


def locate_scored(rgb: np.ndarray, *, max_candidates: int = 12) -> list[ScoredBox]:
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[0] < 8 or rgb.shape[1] < 8:
        return []
    h, w = rgb.shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    small = (
        cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))),
                   interpolation=cv2.INTER_AREA)
        if scale < 1.0 else rgb
    )
    candidates = _skin_face_candidates(small)
    out: list[ScoredBox] = []
    for (x, y, bw, bh), score in candidates:
        head = _face_to_head((x, y, bw, bh), small.shape[1], small.shape[0])
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
