"""Cache the frozen trunk's activations for several augmented views of every image.

A full backward pass through InceptionV3 costs about 1.3 s per image on this CPU. The
trunk never changes, so its activations are computed once per view (float16 on disk,
memory-mapped) and training touches only the upper blocks. Work is written in chunks
with a progress file, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from PIL import Image

from .augment import augment, clean_view
from .config import TrainConfig
from .ingest import Record
from .progress import Progress

CHUNK = 256


def load_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def view_pixels(image: np.ndarray, cfg: TrainConfig, index: int, view: int) -> np.ndarray:
    """View 0 is the clean crop; the others are seeded random augmentations."""
    if view == 0:
        return clean_view(image, cfg.input_size)
    rng = np.random.default_rng([cfg.seed, index, view])
    return augment(image, rng, cfg.input_size)


def feature_path(cfg: TrainConfig, split: str, view: int) -> Path:
    return cfg.features_dir / f"{cfg.frozen_until}_{cfg.input_size}_{split}_v{view}.npy"


def cache_features(
    cfg: TrainConfig,
    trunk,
    trunk_shape: tuple[int, ...],
    items: list[Record],
    split: str,
    views: int,
    log=print,
) -> list[Path]:
    cfg.features_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    total = len(items) * views
    progress = Progress(total, f"features {split}", log)
    done_before = 0
    for view in range(views):
        path = feature_path(cfg, split, view)
        state_path = path.with_suffix(".progress.json")
        state = json.loads(state_path.read_text()) if state_path.exists() else {"done": 0}
        if state.get("count") not in (None, len(items)):
            state = {"done": 0}  # a different catalog: start this view again
        mode = "r+" if path.exists() and state["done"] > 0 else "w+"
        array = np.lib.format.open_memmap(
            path, mode=mode, dtype=np.float16, shape=(len(items), *trunk_shape)
        )
        start = state["done"]
        progress.skip(done_before + start)
        for lo in range(start, len(items), CHUNK):
            hi = min(lo + CHUNK, len(items))
            batch = np.stack(
                [
                    view_pixels(load_rgb(cfg.data_dir / items[i].path), cfg, i, view)
                    for i in range(lo, hi)
                ]
            ).astype(np.float32)
            array[lo:hi] = trunk.predict(batch, batch_size=32, verbose=0).astype(np.float16)
            array.flush()
            state_path.write_text(json.dumps({"done": hi, "count": len(items), "at": time.time()}))
            progress.update(done_before + hi)
        done_before += len(items)
        del array
        paths.append(path)
    return paths


def load_features(cfg: TrainConfig, split: str, views: int) -> list[np.ndarray]:
    return [np.load(feature_path(cfg, split, v), mmap_mode="r") for v in range(views)]
