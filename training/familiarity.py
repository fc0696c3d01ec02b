"""The "looks like the training data" gate the app puts in front of the bundled classes.

References: the pooled frozen-trunk features (the embedding's generic half) of a seeded
sample of training crops, clean and augmented, read from the feature cache. Threshold: the
int8 model runs on every validation crop, clean and with a photo-like augmentation, and the
threshold is the familiarity that keeps ``ACCEPT`` of them. Only validation faces choose it;
no photo of another kind of figure is used, so the share of those it turns away is a fair
measurement (``benchmarks/bench_fewshot.py`` reports it on real LEGO photos).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fmf_desktop.familiarity import FamiliarityGate
from fmf_desktop.vectors import unit_rows

from .config import TrainConfig
from .convert import run_tflite, tflite_path
from .features import load_features, load_rgb, view_pixels
from .ingest import Record
from .train import label_array, pooled

REFERENCES_PER_VIEW = 2048  # sampled training crops per cached view (6 MB as float16)
NEIGHBOURS = 5
ACCEPT = 0.99  # share of validation faces (clean and augmented) the gate lets through
SCALE = 0.01  # logistic width in cosine units: the weight is 0.5 at the threshold
VIEWS = (0, 1)  # clean + one photo-like augmentation of each validation crop


def gate_path(cfg: TrainConfig) -> Path:
    return cfg.work_dir / "familiarity.npz"


def reference_features(cfg: TrainConfig, per_view: int = REFERENCES_PER_VIEW) -> np.ndarray:
    """Pooled trunk features of sampled training crops: clean and augmented views.

    The augmented (photo-like) views matter: with clean crops alone, the photo-like
    validation views sit far from every reference, so a threshold that lets them through
    also lets most photos of other things through (measured: 80% of LEGO photos turned
    away instead of 99%, at the same 98% of augmented validation faces kept).
    """
    views = load_features(cfg, "train", min(cfg.train_views, 2))
    rng = np.random.default_rng(cfg.seed)
    parts = []
    for features in views:
        pick = rng.choice(features.shape[0], min(per_view, features.shape[0]), replace=False)
        parts.append(pooled(features[np.sort(pick)]))
    return unit_rows(np.concatenate(parts))


def validation_outputs(cfg: TrainConfig, val: list[Record], view: int) -> dict[str, np.ndarray]:
    """The int8 model's outputs for one view of every validation crop (cached per model)."""
    model = Path(tflite_path(cfg))
    cache = cfg.work_dir / f"val_outputs_v{view}.npz"
    stamp = np.array([model.stat().st_size, model.stat().st_mtime_ns, len(val)], np.int64)
    if cache.exists():
        with np.load(cache) as data:
            if np.array_equal(data["stamp"], stamp):
                return {"embedding": data["embedding"], "probabilities": data["probabilities"]}
    pixels = np.stack(
        [view_pixels(load_rgb(cfg.data_dir / r.path), cfg, i, view) for i, r in enumerate(val)]
    ).astype(np.float32)
    outputs = run_tflite(tflite_path(cfg), pixels)
    np.savez(cache, stamp=stamp, **outputs)
    return outputs


def _decisions(probs: np.ndarray, labels: np.ndarray, threshold: float) -> dict:
    accepted = probs.max(axis=1) >= threshold
    right = probs.argmax(axis=1) == labels
    return {
        "accepted_share": float(accepted.mean()),
        "accepted_accuracy": float(right[accepted].mean()) if accepted.any() else 0.0,
    }


def build_gate(cfg: TrainConfig, classes: list[str], val: list[Record], log) -> dict:
    refs = reference_features(cfg)
    unscored = FamiliarityGate(references=refs, threshold=0.0, scale=SCALE, k=NEIGHBOURS)
    scores, outputs = {}, {}
    for view in VIEWS:
        outputs[view] = validation_outputs(cfg, val, view)
        scores[view] = unscored.familiarity(outputs[view]["embedding"])
        log(f"  familiarity of validation view {view}: median {np.median(scores[view]):.3f}")
    every = np.concatenate(list(scores.values()))
    threshold = float(np.quantile(every, 1.0 - ACCEPT))
    gate = FamiliarityGate(references=refs, threshold=threshold, scale=SCALE, k=NEIGHBOURS)
    gate.save(gate_path(cfg))
    # The "not sure" rule as the app applies it, with and without the gate (clean view).
    unsure = json.loads((cfg.report_dir / "evaluation.json").read_text())["int8"]["not_sure"]
    labels = label_array(val, classes)
    probs = outputs[0]["probabilities"]
    weights = np.array([gate.in_domain_weight(e) for e in outputs[0]["embedding"]])
    report = {
        "references": int(refs.shape[0]),
        "neighbours": NEIGHBOURS,
        "threshold": threshold,
        "scale": SCALE,
        "accept_target": ACCEPT,
        "accepted": {
            ("clean" if v == 0 else "augmented"): float(np.mean(s >= threshold))
            for v, s in scores.items()
        },
        "median": {("clean" if v == 0 else "augmented"): float(np.median(s))
                   for v, s in scores.items()},
        "ungated": _decisions(probs, labels, unsure["threshold"]),
        "gated": _decisions(probs * weights[:, None], labels, unsure["threshold"]),
    }
    (cfg.report_dir / "familiarity.json").write_text(json.dumps(report, indent=2))
    log(
        f"  \"not sure\" rule on clean validation faces: accepts "
        f"{100 * report['gated']['accepted_share']:.1f}% "
        f"({100 * report['gated']['accepted_accuracy']:.1f}% right) with the gate, "
        f"{100 * report['ungated']['accepted_share']:.1f}% "
        f"({100 * report['ungated']['accepted_accuracy']:.1f}% right) without"
    )
    log(
        f"  familiarity threshold {threshold:.3f} (k={NEIGHBOURS}, {refs.shape[0]} references):"
        f" accepts {100 * report['accepted']['clean']:.1f}% of clean and "
        f"{100 * report['accepted']['augmented']:.1f}% of augmented validation faces"
    )
    return report
