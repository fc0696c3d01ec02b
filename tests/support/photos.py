"""Compose test photos in memory: drawn shelves and dev-data faces on photo backgrounds.

Nothing here is written into the repository; tests keep the pictures in memory or in
pytest's tmp_path.
"""

from __future__ import annotations

import random
from pathlib import Path

import cv2
import numpy as np

from fmf_desktop.results import Box
from training.make_sample import shelf_photo
from training.train_locator import HELD_OUT_PREFIXES


def drawn_shelf(
    width: int = 1600,
    height: int = 1000,
    heads: list[tuple[float, int]] | None = None,
    seed: int = 1,
) -> tuple[np.ndarray, list[Box]]:
    """A drawn shelf with figurines of different sizes; returns the photo and head boxes."""
    heads = heads or [(0.15, 260), (0.4, 160), (0.62, 110), (0.8, 200), (0.93, 70)]
    img, boxes = shelf_photo(width, height, heads, seed=seed)
    return img, [Box(*b) for b in boxes]


def pick_faces(holoen_dir: Path, count: int, seed: int = 0) -> list[Path]:
    """One face crop from each of ``count`` different characters (deterministic), only
    from illustrations the head locator was not trained on."""
    rng = random.Random(seed)
    chars = sorted(p for p in holoen_dir.iterdir() if p.is_dir())
    rng.shuffle(chars)
    return [
        rng.choice(sorted(p for p in c.glob("*.jpg") if p.name.startswith(HELD_OUT_PREFIXES)))
        for c in chars[:count]
    ]


def photo_background(lego_dir: Path | None, width: int, height: int, seed: int = 0) -> np.ndarray:
    """A real photo (a LEGO minifigure photo, scaled up) or, without the data, a
    synthetic texture, as the background for pasted faces."""
    rng = np.random.default_rng(seed)
    if lego_dir is not None:
        photos = sorted(lego_dir.glob("*/*.jpg"))
        path = photos[int(rng.integers(len(photos)))]
        bgr = cv2.imread(str(path))
        if bgr is not None:
            return cv2.cvtColor(cv2.resize(bgr, (width, height)), cv2.COLOR_BGR2RGB)
    noise = rng.normal(0, 1, (height // 8 + 1, width // 8 + 1, 3)).astype(np.float32)
    noise = cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC)
    base = np.array([110, 120, 105], np.float32)
    return np.clip(base + noise * 25, 0, 255).astype(np.uint8)


def paste_faces(
    background: np.ndarray, faces: list[Path], sizes: list[int], seed: int = 0
) -> tuple[np.ndarray, list[Box]]:
    """Paste each face crop, resized to its size, at random non-overlapping places."""
    rng = random.Random(seed)
    img = background.copy()
    h, w = img.shape[:2]
    boxes: list[Box] = []
    for face, size in zip(faces, sizes, strict=True):
        crop = cv2.cvtColor(cv2.imread(str(face)), cv2.COLOR_BGR2RGB)
        crop = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)
        for _ in range(500):
            x, y = rng.randrange(0, w - size), rng.randrange(0, h - size)
            box = Box(x, y, size, size)
            margin = Box(x - 20, y - 20, size + 40, size + 40)
            if all(margin.iou(b) == 0 for b in boxes):
                break
        else:
            raise RuntimeError("no room to paste another face")
        img[y:y + size, x:x + size] = crop
        boxes.append(box)
    return img, boxes


def found(truth: Box, boxes: list[Box]) -> bool:
    """A located box matches a true head when its centre is inside the head and it is
    not wildly larger (IoU at least 0.25)."""
    for b in boxes:
        cx, cy = b.x + b.w / 2, b.y + b.h / 2
        inside = truth.x <= cx <= truth.x + truth.w and truth.y <= cy <= truth.y + truth.h
        if inside and truth.iou(b) >= 0.25:
            return True
    return False


def figure_photo(
    path: Path,
    seed: int,
    size: tuple[int, int] = (240, 200),
    centres: tuple[int, int] = (20, 180),
    radii: tuple[int, int] = (10, 60),
) -> Path:
    """A made-up 'figure' photo, ``size`` = (height, width): six coloured discs (centres
    and radii drawn from the given ranges) on a plain background, drawn by our own code."""
    rng = np.random.default_rng(seed)
    img = np.full((*size, 3), rng.integers(0, 255, 3), np.uint8)
    for _ in range(6):
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        centre = tuple(int(c) for c in rng.integers(*centres, 2))
        cv2.circle(img, centre, int(rng.integers(*radii)), colour, -1)
    cv2.imwrite(str(path), img)
    return path
