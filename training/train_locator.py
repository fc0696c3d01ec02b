"""Train the figurine-head locator (assets/locator.npz): a linear window scorer on
HOG-like cell features (see fmf_desktop.vision).

Positives: drawn face crops from holoen-faces (only illustrations whose md5 does NOT start
with a held-out prefix; tests compose photos from the held-out ones) and code-drawn
figurine heads. Negatives: windows from the LEGO photos, drawn shelves away from the
heads, partial/shifted faces (so the window size that fits the whole head wins), random
textures, plus one round of hard negatives mined from composed photos.

    python -m training.train_locator           # about 3 minutes on 2 busy cores
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import cv2
import numpy as np

from fmf_desktop.results import Box
from fmf_desktop.vision import (
    CELL,
    CHANNELS,
    WINDOW_CELLS,
    LocatorWeights,
    cell_features,
    locate_scored,
)
from training.make_sample import PALETTES, draw_figurine, shelf_background

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
WIN = WINDOW_CELLS * CELL
#: Illustrations whose md5 starts with one of these are never used for training the
#: locator; tests/support/photos.py composes its test photos from them.
HELD_OUT_PREFIXES = tuple("cdef")


def _feat(img: np.ndarray) -> np.ndarray:
    img = cv2.resize(img, (WIN, WIN), interpolation=cv2.INTER_AREA if img.shape[0] > WIN
                     else cv2.INTER_LINEAR)
    return cell_features(img).reshape(-1)


def _read(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def _random_background(rng: np.random.Generator, lego: list[Path], w: int, h: int) -> np.ndarray:
    kind = rng.integers(3)
    if kind == 0 and lego:
        return cv2.resize(_read(lego[int(rng.integers(len(lego)))]), (w, h))
    if kind == 1:
        return shelf_background(w, h, int(rng.integers(1 << 30)))
    noise = rng.normal(0, 1, (h // 8 + 1, w // 8 + 1, 3)).astype(np.float32)
    noise = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
    base = rng.uniform(40, 220, 3).astype(np.float32)
    return np.clip(base + noise * rng.uniform(5, 40), 0, 255).astype(np.uint8)


def _jitter_crop(img: np.ndarray, rng: np.random.Generator, scale: tuple[float, float],
                 shift: float) -> np.ndarray:
    h, w = img.shape[:2]
    side = int(min(h, w) * rng.uniform(*scale))
    cx = w / 2 + rng.uniform(-shift, shift) * w
    cy = h / 2 + rng.uniform(-shift, shift) * h
    x0, y0 = int(cx - side / 2), int(cy - side / 2)
    pad = side
    padded = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    return padded[y0 + pad:y0 + pad + side, x0 + pad:x0 + pad + side]


def drawn_heads(rng: np.random.Generator, n: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Code-drawn figurine heads (positives) and body/background windows (negatives)."""
    pos, neg = [], []
    for _ in range(n):
        w, h = 640, 480
        img = shelf_background(w, h, int(rng.integers(1 << 30)))
        head = int(rng.integers(60, 160))
        fig = draw_figurine(img, int(rng.integers(120, 520)), int(h * 0.9), head,
                            int(rng.integers(len(PALETTES))))
        img = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.3, 1.5)))
        x, y, bw, bh = fig.head
        side = max(bw, bh)
        for _ in range(2):
            s = int(side * rng.uniform(0.95, 1.15))
            cx = x + bw / 2 + rng.uniform(-0.05, 0.05) * side
            cy = y + bh / 2 + rng.uniform(-0.05, 0.05) * side
            crop = _safe_crop(img, int(cx - s / 2), int(cy - s / 2), s)
            if crop is not None:
                pos.append(_feat(crop if rng.random() < 0.5 else crop[:, ::-1]))
        truth = Box(x, y, bw, bh)
        for _ in range(4):
            s = int(rng.integers(32, 300))
            bx, by = int(rng.integers(0, w - 32)), int(rng.integers(0, h - 32))
            if Box(bx, by, s, s).iou(truth) < 0.2:
                crop = _safe_crop(img, bx, by, s)
                if crop is not None:
                    neg.append(_feat(crop))
    return pos, neg


def _safe_crop(img: np.ndarray, x: int, y: int, s: int) -> np.ndarray | None:
    h, w = img.shape[:2]
    if s < 16:
        return None
    pad = s
    padded = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    crop = padded[y + pad:y + pad + s, x + pad:x + pad + s]
    return crop if crop.shape[:2] == (s, s) else None


def collect(rng: np.random.Generator, n_faces: int) -> tuple[np.ndarray, np.ndarray, list]:
    faces_dir = DATA / "holoen-faces"
    lego = sorted((DATA / "lego-minifig-photos").glob("*/*.jpg"))
    all_faces = [p for p in sorted(faces_dir.glob("*/*.jpg"))
                 if not p.name.startswith(HELD_OUT_PREFIXES)]
    faces = [all_faces[i] for i in rng.choice(len(all_faces), n_faces, replace=False)]
    pos, neg = [], []
    for path in faces:
        img = _read(path)
        crop = _jitter_crop(img, rng, (0.9, 1.05), 0.04)
        pos.append(_feat(crop if rng.random() < 0.5 else crop[:, ::-1]))
        # Partial face (too small a window) and shifted window: teach the right scale.
        neg.append(_feat(_jitter_crop(img, rng, (0.3, 0.55), 0.25)))
        canvas = _random_background(rng, lego, 448, 448)
        canvas[112:336, 112:336] = img
        off = rng.choice([-1, 1], 2) * rng.uniform(0.45, 0.8, 2) * 224
        s = int(224 * rng.uniform(0.8, 1.3))
        x0 = int(224 + off[0] - s / 2)
        y0 = int(224 + off[1] - s / 2)
        c = _safe_crop(canvas, x0, y0, s)
        if c is not None:
            neg.append(_feat(c))
    dp, dn = drawn_heads(rng, max(100, n_faces // 8))
    pos += dp
    neg += dn
    for path in lego:
        img = _read(path)
        h, w = img.shape[:2]
        for _ in range(15):
            s = int(rng.integers(24, min(h, w)))
            x, y = int(rng.integers(0, w - s + 1)), int(rng.integers(0, h - s + 1))
            neg.append(_feat(img[y:y + s, x:x + s]))
    for _ in range(300):
        neg.append(_feat(_random_background(rng, [], 128, 128)))
    return np.array(pos, np.float32), np.array(neg, np.float32), lego


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, epochs: int = 300,
                 ) -> tuple[np.ndarray, float]:
    """Class-balanced L2 logistic regression by full-batch gradient descent (Adam)."""
    mean, std = x.mean(0), x.std(0) + 1e-3
    z = (x - mean) / std
    wpos = 0.5 / max(1, y.sum())
    wneg = 0.5 / max(1, (1 - y).sum())
    sample_w = np.where(y > 0, wpos, wneg).astype(np.float32)
    w = np.zeros(z.shape[1], np.float32)
    b = 0.0
    m_w = v_w = np.zeros_like(w)
    m_b = v_b = 0.0
    lr, b1, b2 = 0.05, 0.9, 0.999
    for t in range(1, epochs + 1):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = (p - y) * sample_w
        gw = z.T @ g + l2 * w
        gb = float(g.sum())
        m_w = b1 * m_w + (1 - b1) * gw
        v_w = b2 * v_w + (1 - b2) * gw * gw
        m_b = b1 * m_b + (1 - b1) * gb
        v_b = b2 * v_b + (1 - b2) * gb * gb
        w -= lr * (m_w / (1 - b1**t)) / (np.sqrt(v_w / (1 - b2**t)) + 1e-8)
        b -= lr * (m_b / (1 - b1**t)) / (np.sqrt(v_b / (1 - b2**t)) + 1e-8)
    # Fold the standardisation into the weights so inference uses raw features.
    w_raw = w / std
    b_raw = b - float((w * mean / std).sum())
    return w_raw.astype(np.float32), b_raw


def mine_hard_negatives(rng: np.random.Generator, locator: LocatorWeights, lego: list[Path],
                        n_photos: int) -> list[np.ndarray]:
    faces_dir = DATA / "holoen-faces"
    train_faces = [p for p in sorted(faces_dir.glob("*/*.jpg"))
                   if not p.name.startswith(HELD_OUT_PREFIXES)]
    hard = []
    for _ in range(n_photos):
        w, h = 960, 720
        img = _random_background(rng, lego, w, h)
        truths = []
        for _ in range(int(rng.integers(0, 4))):
            s = int(rng.integers(70, 260))
            x, y = int(rng.integers(0, w - s)), int(rng.integers(0, h - s))
            if any(Box(x - 10, y - 10, s + 20, s + 20).iou(t) > 0 for t in truths):
                continue
            face = _read(train_faces[int(rng.integers(len(train_faces)))])
            img[y:y + s, x:x + s] = cv2.resize(face, (s, s), interpolation=cv2.INTER_AREA)
            truths.append(Box(x, y, s, s))
        for cand in locate_scored(img, max_candidates=30, locator=locator):
            if all(cand.box.iou(t) < 0.3 for t in truths):
                b = cand.box
                hard.append(_feat(img[b.y:b.y + b.h, b.x:b.x + b.w]))
    return hard


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--faces", type=int, default=2000)
    parser.add_argument("--mine-photos", type=int, default=100)
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "locator.npz")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    random.seed(args.seed)
    t0 = time.time()
    pos, neg, lego = collect(rng, args.faces)
    print(f"features: {len(pos)} positives, {len(neg)} negatives ({time.time() - t0:.0f}s)")
    x = np.concatenate([pos, neg])
    y = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))]).astype(np.float32)
    w, b = fit_logistic(x, y)
    locator = LocatorWeights(w.reshape(WINDOW_CELLS, WINDOW_CELLS, CHANNELS), b, 0.0)
    for round_ in range(2):
        hard = mine_hard_negatives(rng, locator, lego, args.mine_photos)
        print(f"round {round_ + 1}: {len(hard)} hard negatives ({time.time() - t0:.0f}s)")
        if not hard:
            break
        neg = np.concatenate([neg, np.array(hard, np.float32)])
        x = np.concatenate([pos, neg])
        y = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))]).astype(np.float32)
        w, b = fit_logistic(x, y)
        locator = LocatorWeights(w.reshape(WINDOW_CELLS, WINDOW_CELLS, CHANNELS), b, 0.0)
    scores_pos = pos @ w + b
    scores_neg = neg @ w + b
    # Keep 97% of training positives; the score is a logit, so 0 would be "even odds".
    threshold = float(np.quantile(scores_pos, 0.03))
    print(f"train positives >= threshold: {(scores_pos >= threshold).mean():.3f}, "
          f"negatives above: {(scores_neg >= threshold).mean():.4f}, threshold {threshold:.2f}")
    np.savez_compressed(args.out, weights=w.reshape(WINDOW_CELLS, WINDOW_CELLS, CHANNELS),
                        bias=np.float32(b), threshold=np.float32(threshold),
                        held_out_prefixes=np.array(HELD_OUT_PREFIXES))
    print(f"wrote {args.out} in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
