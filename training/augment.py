"""Augmentations that push drawn face crops towards photos of figurines.

A figurine photo differs from fan art by framing (loose or tight crops at any scale),
lighting (colour casts, glossy highlights on painted PVC), camera blur, JPEG noise and
sometimes no colour at all. Every function takes and returns an RGB uint8 array and
draws randomness only from the ``rng`` it is given, so a (seed, image, view) triple
always yields the same pixels.
"""

from __future__ import annotations

import cv2
import numpy as np


def random_resized_crop(image: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    h, w = image.shape[:2]
    area = h * w * rng.uniform(0.55, 1.0)
    aspect = np.exp(rng.uniform(np.log(0.8), np.log(1.25)))
    cw = int(min(w, round(np.sqrt(area * aspect))))
    ch = int(min(h, round(np.sqrt(area / aspect))))
    x = int(rng.integers(0, w - cw + 1))
    y = int(rng.integers(0, h - ch + 1))
    crop = image[y : y + ch, x : x + cw]
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)


def zoom_out(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A looser crop: the face smaller in frame, padded with a blurred copy (a backdrop)."""
    h, w = image.shape[:2]
    scale = rng.uniform(0.7, 0.92)
    small = cv2.resize(image, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    backdrop = cv2.GaussianBlur(image, (0, 0), sigmaX=12)
    y = int(rng.integers(0, h - small.shape[0] + 1))
    x = int(rng.integers(0, w - small.shape[1] + 1))
    backdrop[y : y + small.shape[0], x : x + small.shape[1]] = small
    return backdrop


def colour_jitter(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    img = image.astype(np.float32)
    img *= rng.uniform(0.7, 1.3)  # exposure
    mean = img.mean()
    img = (img - mean) * rng.uniform(0.75, 1.25) + mean  # contrast
    img *= rng.uniform(0.9, 1.1, size=3)  # white balance / colour cast
    grey = img.mean(axis=2, keepdims=True)
    img = grey + (img - grey) * rng.uniform(0.7, 1.3)  # saturation
    img = np.clip(img, 0, 255)
    gamma = rng.uniform(0.8, 1.25)
    img = 255.0 * (img / 255.0) ** gamma
    return np.clip(img, 0, 255).astype(np.uint8)


def glossy_highlight(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A soft specular blob, like a lamp reflected on painted PVC."""
    h, w = image.shape[:2]
    mask = np.zeros((h, w), np.float32)
    centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
    axes = (int(rng.integers(w // 16, w // 5)), int(rng.integers(h // 24, h // 8)))
    cv2.ellipse(mask, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), sigmaX=max(axes) / 2 + 1) * rng.uniform(0.3, 0.8)
    out = image.astype(np.float32) * (1 - mask[..., None]) + 255.0 * mask[..., None]
    return out.astype(np.uint8)


def blur(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), sigmaX=float(rng.uniform(0.5, 1.8)))


def jpeg_noise(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    quality = int(rng.integers(25, 80))
    ok, data = cv2.imencode(".jpg", image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1].copy() if ok else image


def sensor_noise(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.normal(0, rng.uniform(2, 7), image.shape)
    return np.clip(image.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def to_grey(image: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return np.repeat(grey[..., None], 3, axis=2)


def augment(image: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    """One random figurine-photo-like view of a face crop, ``size`` x ``size``."""
    out = image
    if rng.random() < 0.25:
        out = zoom_out(out, rng)
    out = random_resized_crop(out, rng, size)
    if rng.random() < 0.5:
        out = out[:, ::-1]
    out = colour_jitter(np.ascontiguousarray(out), rng)
    if rng.random() < 0.3:
        out = glossy_highlight(out, rng)
    if rng.random() < 0.3:
        out = blur(out, rng)
    if rng.random() < 0.2:
        out = sensor_noise(out, rng)
    if rng.random() < 0.1:
        out = to_grey(out)
    if rng.random() < 0.4:
        out = jpeg_noise(out, rng)
    return np.ascontiguousarray(out)


def clean_view(image: np.ndarray, size: int, flip: bool = False) -> np.ndarray:
    out = (
        image
        if image.shape[:2] == (size, size)
        else cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    )
    return np.ascontiguousarray(out[:, ::-1] if flip else out)
