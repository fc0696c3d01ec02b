"""Train the upper blocks and head on cached trunk activations; resumable by epoch.

Each epoch visits every training image once, through one of its cached views chosen by a
seeded generator, so a resumed run makes exactly the same choices. A checkpoint (weights,
optimizer state, epoch) is written atomically after every epoch.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fmf_desktop.vectors import unit_rows

from .config import TrainConfig
from .features import load_features
from .ingest import Record
from .progress import Progress


def label_array(items: list[Record], classes: list[str]) -> np.ndarray:
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index[r.label] for r in items], dtype=np.int32)


def pooled(features: np.ndarray, batch: int = 512) -> np.ndarray:
    """Global-average-pooled activations (N, C) from a memory-mapped (N, H, W, C) array."""
    out = np.empty((features.shape[0], features.shape[-1]), np.float32)
    for lo in range(0, features.shape[0], batch):
        out[lo : lo + batch] = features[lo : lo + batch].astype(np.float32).mean(axis=(1, 2))
    return out


def stripe_bounds(height: int, parts: int) -> list[tuple[int, int]]:
    """Row ranges of ``parts`` horizontal stripes (each at least one row, even if tiny)."""
    return [
        (i * height // parts, max(i * height // parts + 1, -(-(i + 1) * height // parts)))
        for i in range(parts)
    ]


# Foreground weighting of the stripes: a cell whose features differ from those along the
# crop's border (where the background is) counts more. Weight = max(1 - cos, FLOOR) ** POWER.
# Measured on real LEGO photos (float, photos only, 5 shots, 20 draws): open set 82/82 ->
# 86/86 on the 8 distinguishable figures, 82/82 -> 85/86 on the 10 folders as given; the
# anime few-shot check is unchanged (81.3%). FLOOR keeps an all-background crop defined.
FOREGROUND_FLOOR = 0.01
FOREGROUND_POWER = 2


def foreground_weights(maps: np.ndarray) -> np.ndarray:
    """(N, H, W) weight of each cell of (N, H, W, C) activations: how unlike the border it is."""
    maps = maps.astype(np.float32)
    border = np.zeros(maps.shape[1:3], bool)
    border[[0, -1], :] = True
    border[:, [0, -1]] = True
    background = unit_rows(maps[:, border].mean(axis=1))
    cells = unit_rows(maps.reshape(-1, maps.shape[-1])).reshape(maps.shape)
    cosine = np.einsum("nhwc,nc->nhw", cells, background)
    return np.maximum(1.0 - cosine, FOREGROUND_FLOOR) ** FOREGROUND_POWER


def stripe_features(
    features: np.ndarray, parts: int, foreground: bool = True, batch: int = 512
) -> np.ndarray:
    """(N, parts * C): each stripe's pooled activations (weighted by ``foreground_weights``
    unless ``foreground`` is False, then a plain average), L2-normalised."""
    n, height, _, channels = features.shape
    out = np.empty((n, parts * channels), np.float32)
    for lo in range(0, n, batch):
        chunk = features[lo : lo + batch].astype(np.float32)
        if foreground:
            chunk = chunk * foreground_weights(chunk)[..., None]
        for i, (top, bottom) in enumerate(stripe_bounds(height, parts)):
            part = unit_rows(chunk[:, top:bottom].sum(axis=(1, 2)))
            out[lo : lo + batch, i * channels : (i + 1) * channels] = part
    return out


@dataclass
class LinearHead:
    """Logistic regression on pooled trunk activations, standardisation folded in."""

    kernel: np.ndarray  # (features, classes)
    bias: np.ndarray  # (classes,)

    def logits(self, x: np.ndarray) -> np.ndarray:
        return x @ self.kernel + self.bias

    def save(self, path: Path) -> None:
        np.savez(path, kernel=self.kernel, bias=self.bias)

    @classmethod
    def load(cls, path: Path) -> LinearHead:
        with np.load(path) as data:
            return cls(data["kernel"], data["bias"])


def _softmax_regression(
    x_train: np.ndarray, y_train: np.ndarray, num_classes: int, seed: int, epochs: int = 60
) -> LinearHead:
    """Multinomial logistic regression (standardised inputs, L2), trained with Keras."""
    import keras

    keras.utils.set_random_seed(seed)
    mean, std = x_train.mean(0), x_train.std(0) + 1e-6
    dense = keras.layers.Dense(num_classes, kernel_regularizer=keras.regularizers.l2(1e-3))
    model = keras.Sequential([keras.Input((x_train.shape[1],)), dense])
    model.compile(
        keras.optimizers.Adam(1e-3),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit((x_train - mean) / std, y_train, batch_size=128, epochs=epochs, verbose=0)
    kernel, bias = dense.get_weights()
    # (x - mean) / std @ K + b  ==  x @ (K / std) + (b - (mean / std) @ K)
    folded = kernel / std[:, None]
    return LinearHead(folded.astype(np.float32), (bias - (mean / std) @ kernel).astype(np.float32))


def topk_accuracy(logits: np.ndarray, labels: np.ndarray, k: int) -> float:
    top = np.argsort(-logits, axis=1)[:, :k]
    return float((top == labels[:, None]).any(axis=1).mean())


def baseline_head_path(cfg: TrainConfig) -> Path:
    return cfg.work_dir / "baseline_head.npz"


def frozen_baseline(
    cfg: TrainConfig, classes: list[str], train: list[Record], val: list[Record], log
) -> dict:
    """The frozen-feature baseline: logistic regression on pooled trunk activations."""
    x_train = pooled(load_features(cfg, "train", 1)[0])
    x_val = pooled(load_features(cfg, "val", 1)[0])
    y_train, y_val = label_array(train, classes), label_array(val, classes)
    head = _softmax_regression(x_train, y_train, len(classes), cfg.seed)
    head.save(baseline_head_path(cfg))
    logits = head.logits(x_val)
    result = {
        "features": f"{cfg.frozen_until} (frozen ImageNet, global average pooled)",
        "top1": topk_accuracy(logits, y_val, 1),
        "top5": topk_accuracy(logits, y_val, 5),
        "train_images": len(train),
        "val_images": len(val),
    }
    log(f"  frozen baseline: top-1 {result['top1']:.3f}, top-5 {result['top5']:.3f}")
    return result


# --- checkpoints ----------------------------------------------------------------------


def _save_checkpoint(path: Path, upper, optimizer, epoch: int, history: list) -> None:
    path.mkdir(parents=True, exist_ok=True)
    tmp = path / "checkpoint.tmp.npz"
    arrays = {f"w{i}": w for i, w in enumerate(upper.get_weights())}
    arrays.update({f"o{i}": np.asarray(v) for i, v in enumerate(optimizer.variables)})
    np.savez(tmp, **arrays)
    meta = {
        "epoch": epoch,
        "history": history,
        "weights": len(upper.get_weights()),
        "optimizer": len(optimizer.variables),
    }
    (path / "checkpoint.tmp.json").write_text(json.dumps(meta, indent=2))
    # Two renames: the .npz first, so a crash between them leaves the old epoch number
    # pointing at newer weights at worst, never at a half-written file.
    tmp.replace(path / "checkpoint.npz")
    (path / "checkpoint.tmp.json").replace(path / "checkpoint.json")


def load_upper_weights(cfg: TrainConfig, upper) -> dict:
    meta = json.loads((cfg.checkpoint_dir / "checkpoint.json").read_text())
    with np.load(cfg.checkpoint_dir / "checkpoint.npz") as data:
        upper.set_weights([data[f"w{i}"] for i in range(meta["weights"])])
    return meta


def _restore_optimizer(cfg: TrainConfig, optimizer, meta: dict) -> None:
    with np.load(cfg.checkpoint_dir / "checkpoint.npz") as data:
        for i, variable in enumerate(optimizer.variables):
            variable.assign(data[f"o{i}"])


# --- training -------------------------------------------------------------------------


def evaluate_logits(upper, features: np.ndarray, batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    logits, embeddings = [], []
    for lo in range(0, features.shape[0], batch):
        x = features[lo : lo + batch].astype(np.float32)
        lg, em = upper(x, training=False)
        logits.append(np.asarray(lg))
        embeddings.append(np.asarray(em))
    return np.concatenate(logits), np.concatenate(embeddings)


def train_upper(
    cfg: TrainConfig,
    net,
    classes: list[str],
    train: list[Record],
    val: list[Record],
    log,
    train_rows: np.ndarray | None = None,
    val_rows: np.ndarray | None = None,
) -> list[dict]:
    """Train the upper blocks on cached activations.

    ``train_rows``/``val_rows``: train on those rows of the ``train``/``val`` splits only
    (the few-shot check leaves characters out); the feature caches are indexed the same.
    """
    if train_rows is not None:
        train = [train[i] for i in train_rows]
    if val_rows is not None:
        val = [val[i] for i in val_rows]
    import keras
    import tensorflow as tf

    upper = net.upper
    views = load_features(cfg, "train", cfg.train_views)
    rows = np.arange(len(train)) if train_rows is None else np.asarray(train_rows)
    val_features = load_features(cfg, "val", 1)[0]
    if val_rows is not None:
        val_features = val_features[np.asarray(val_rows)]
    y_train, y_val = label_array(train, classes), label_array(val, classes)
    steps_per_epoch = math.ceil(len(train) / cfg.batch_size)
    total_steps = steps_per_epoch * cfg.epochs
    warmup = min(200, total_steps // 10)

    optimizer = keras.optimizers.AdamW(cfg.learning_rate, weight_decay=1e-4, clipnorm=2.0)
    optimizer.build(upper.trainable_variables)
    loss_fn = keras.losses.CategoricalCrossentropy(
        from_logits=True, label_smoothing=cfg.label_smoothing
    )
    num_classes = len(classes)

    @tf.function(reduce_retracing=True)
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits, _ = upper(x, training=True)
            loss = loss_fn(tf.one_hot(y, num_classes), logits)
        grads = tape.gradient(loss, upper.trainable_variables)
        optimizer.apply_gradients(zip(grads, upper.trainable_variables, strict=True))
        return loss

    start_epoch, history = 0, []
    if (cfg.checkpoint_dir / "checkpoint.json").exists():
        meta = load_upper_weights(cfg, upper)
        _restore_optimizer(cfg, optimizer, meta)
        start_epoch, history = meta["epoch"], meta["history"]
        log(f"  resuming after epoch {start_epoch}")
    if start_epoch >= cfg.epochs:
        log("  all epochs already done")
        return history

    progress = Progress(total_steps, "train", log, every=30)
    progress.skip(start_epoch * steps_per_epoch)
    for epoch in range(start_epoch, cfg.epochs):
        rng = np.random.default_rng([cfg.seed, epoch])
        order = rng.permutation(len(train))
        chosen_view = rng.integers(0, cfg.train_views, size=len(train))
        losses = []
        started = time.monotonic()
        for step in range(steps_per_epoch):
            global_step = epoch * steps_per_epoch + step
            lr = cfg.learning_rate * (
                (global_step + 1) / warmup
                if global_step < warmup
                else 0.5
                * (1 + math.cos(math.pi * (global_step - warmup) / max(1, total_steps - warmup)))
            )
            optimizer.learning_rate.assign(lr)
            idx = np.sort(order[step * cfg.batch_size : (step + 1) * cfg.batch_size])
            x = np.empty((len(idx), *net.trunk_shape), np.float32)
            for view in range(cfg.train_views):
                mask = chosen_view[idx] == view
                if mask.any():
                    x[mask] = views[view][rows[idx[mask]]]
            losses.append(float(train_step(tf.constant(x), tf.constant(y_train[idx]))))
            progress.update(
                global_step + 1, f"epoch {epoch + 1}/{cfg.epochs} loss {np.mean(losses[-50:]):.3f}"
            )
        logits, _ = evaluate_logits(upper, val_features)
        record = {
            "epoch": epoch + 1,
            "loss": float(np.mean(losses)),
            "val_top1": topk_accuracy(logits, y_val, 1),
            "val_top5": topk_accuracy(logits, y_val, 5),
            "seconds": round(time.monotonic() - started, 1),
        }
        history.append(record)
        log(
            f"  epoch {epoch + 1}: loss {record['loss']:.3f}, val top-1 {record['val_top1']:.3f}, "
            f"top-5 {record['val_top5']:.3f} ({record['seconds']:.0f}s)"
        )
        _save_checkpoint(cfg.checkpoint_dir, upper, optimizer, epoch + 1, history)
    return history
