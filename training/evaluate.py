"""Evaluate float (Keras) and int8 (TFLite) side by side on the group-held-out split.

Writes ``report/evaluation.json`` plus a confusion matrix and a reliability diagram.
The "not sure" threshold is chosen by cross-fitting over illustration groups: it is
picked on one half of the validation groups and scored on the other (and vice versa),
so the accepted-share and accuracy figures are not measured on the data that chose it.
The shipped threshold is then picked on all of validation with the same rule.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import cv2
import numpy as np

from fmf_desktop.vectors import unit_rows

from .config import TrainConfig
from .convert import build_trained_export_model, pixels_for, run_tflite, tflite_path
from .features import load_features
from .ingest import Record
from .train import label_array, pooled, stripe_features, topk_accuracy

TARGET_ACCEPTED_ACCURACY = 0.97
FEW_SHOT_K = 5


# --- metrics --------------------------------------------------------------------------


def per_class(probs: np.ndarray, labels: np.ndarray, classes: list[str]) -> dict:
    predicted = probs.argmax(1)
    out = {}
    for i, name in enumerate(classes):
        tp = int(((predicted == i) & (labels == i)).sum())
        predicted_i = int((predicted == i).sum())
        actual_i = int((labels == i).sum())
        out[name] = {
            "precision": tp / predicted_i if predicted_i else 0.0,
            "recall": tp / actual_i if actual_i else 0.0,
            "support": actual_i,
        }
    return out


def confusion(probs: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    matrix = np.zeros((n, n), np.int64)
    np.add.at(matrix, (labels, probs.argmax(1)), 1)
    return matrix


def reliability(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> tuple[float, list[dict]]:
    confidence = probs.max(1)
    correct = probs.argmax(1) == labels
    edges = np.linspace(0, 1, bins + 1)
    table, ece = [], 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        mask = (confidence > lo) & (confidence <= hi)
        if not mask.any():
            continue
        acc, conf = float(correct[mask].mean()), float(confidence[mask].mean())
        ece += mask.mean() * abs(acc - conf)
        table.append(
            {
                "lo": float(lo),
                "hi": float(hi),
                "count": int(mask.sum()),
                "accuracy": acc,
                "confidence": conf,
            }
        )
    return float(ece), table


def pick_threshold(
    confidence: np.ndarray, correct: np.ndarray, target: float = TARGET_ACCEPTED_ACCURACY
) -> float:
    """The lowest threshold whose accepted images reach ``target`` accuracy."""
    for t in np.round(np.arange(0.05, 1.0, 0.01), 2):
        accepted = confidence >= t
        if accepted.sum() >= 10 and correct[accepted].mean() >= target:
            return float(t)
    return 0.99


def threshold_report(probs: np.ndarray, labels: np.ndarray, groups: list[str]) -> dict:
    confidence, correct = probs.max(1), probs.argmax(1) == labels
    half = np.array([int(hashlib.sha256(g.encode()).hexdigest(), 16) % 2 for g in groups])
    accepted_share, accepted_acc, picked = [], [], []
    for fold in (0, 1):
        choose, score = half == fold, half != fold
        t = pick_threshold(confidence[choose], correct[choose])
        accepted = confidence[score] >= t
        picked.append(t)
        accepted_share.append(float(accepted.mean()))
        accepted_acc.append(float(correct[score][accepted].mean()) if accepted.any() else 0.0)
    shipped = pick_threshold(confidence, correct)
    return {
        "rule": (
            f"lowest threshold with accuracy >= {TARGET_ACCEPTED_ACCURACY:.0%} on accepted images"
        ),
        "threshold": shipped,
        "cross_fitted_thresholds": picked,
        "accepted_share": float(np.mean(accepted_share)),
        "accepted_accuracy": float(np.mean(accepted_acc)),
    }


# --- figures --------------------------------------------------------------------------


def _text(
    image: np.ndarray,
    text: str,
    origin: tuple[int, int],
    scale: float,
    colour: tuple[int, int, int] = (0, 0, 0),
) -> None:
    cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv2.LINE_AA)


def draw_confusion(matrix: np.ndarray, classes: list[str], path: Path, title: str) -> None:
    n, cell, left, top = len(classes), 28, 120, 130
    image = np.full((top + n * cell + 20, left + n * cell + 20, 3), 255, np.uint8)
    rows = matrix / np.maximum(matrix.sum(1, keepdims=True), 1)
    for i in range(n):
        for j in range(n):
            shade = int(255 * (1 - rows[i, j]))
            colour = (255, shade, shade) if i != j else (shade, shade + (255 - shade) // 3, shade)
            x, y = left + j * cell, top + i * cell
            cv2.rectangle(image, (x, y), (x + cell - 1, y + cell - 1), colour[::-1], -1)
            if matrix[i, j]:
                text_colour = (0, 0, 0) if rows[i, j] < 0.6 else (255, 255, 255)
                _text(image, str(matrix[i, j]), (x + 2, y + 18), 0.32, text_colour)
        _text(image, classes[i], (6, top + i * cell + 18), 0.45, (0, 0, 0))
    for j, name in enumerate(classes):
        label = np.full((cell, 110, 3), 255, np.uint8)
        _text(label, name, (2, 18), 0.45, (0, 0, 0))
        rotated = cv2.rotate(label, cv2.ROTATE_90_COUNTERCLOCKWISE)
        image[top - 112 : top - 2, left + j * cell : left + (j + 1) * cell] = rotated
    _text(image, title, (6, 16), 0.5, (0, 0, 0))
    _text(image, "rows: true class, columns: predicted", (6, 36), 0.4, (80, 80, 80))
    cv2.imwrite(str(path), image)


def draw_reliability(table: list[dict], ece: float, path: Path, title: str) -> None:
    size, margin = 360, 50
    image = np.full((size + 2 * margin, size + 2 * margin, 3), 255, np.uint8)
    origin = (margin, margin + size)
    cv2.line(image, origin, (margin + size, margin), (160, 160, 160), 1, cv2.LINE_AA)
    cv2.rectangle(image, (margin, margin), (margin + size, margin + size), (0, 0, 0), 1)
    for row in table:
        x0 = margin + int(row["lo"] * size)
        x1 = margin + int(row["hi"] * size) - 2
        y = margin + size - int(row["accuracy"] * size)
        cv2.rectangle(image, (x0 + 1, y), (x1, margin + size - 1), (200, 120, 40), -1)
        yc = margin + size - int(row["confidence"] * size)
        cv2.line(image, (x0 + 1, yc), (x1, yc), (40, 40, 220), 2)
    for tick in (0.0, 0.5, 1.0):
        _text(
            image,
            f"{tick:.1f}",
            (margin + int(tick * size) - 10, margin + size + 18),
            0.4,
            (0, 0, 0),
        )
        _text(image, f"{tick:.1f}", (12, margin + size - int(tick * size) + 4), 0.4, (0, 0, 0))
    _text(image, f"{title}  ECE {ece:.3f}", (margin, 30), 0.5, (0, 0, 0))
    _text(
        image,
        "confidence (x) vs accuracy (bars); red: mean confidence",
        (margin - 40, margin + size + 40),
        0.38,
        (80, 80, 80),
    )
    cv2.imwrite(str(path), image)


# --- few-shot check -------------------------------------------------------------------


def few_shot_check(
    cfg: TrainConfig, classes: list[str], train: list[Record], val: list[Record], log
) -> dict:
    """Enrol K images of characters the classifier never saw; top-1 on the rest.

    The shipped model saw all 20 characters, so this check trains a 17-class head on the
    frozen trunk (same embedding recipe: pooled ImageNet features + a trained projection)
    and enrols the 3 held-out characters' validation images through that embedding.
    """
    split = few_shot_classes(cfg, classes)
    if split is None:
        return {"skipped": "not enough classes"}
    holdout, seen = split
    x_train = pooled(load_features(cfg, "train", 1)[0])
    y_train_all = np.array([r.label for r in train])
    keep = np.isin(y_train_all, seen)
    seen_labels = np.array([seen.index(c) for c in y_train_all[keep]])

    import keras

    keras.utils.set_random_seed(cfg.seed)
    mean, std = x_train[keep].mean(0), x_train[keep].std(0) + 1e-6
    inputs = keras.Input((x_train.shape[1],))
    projection = keras.layers.Dense(cfg.embedding_dim)(inputs)
    logits = keras.layers.Dense(len(seen))(keras.layers.ReLU()(projection))
    model = keras.Model(inputs, logits)
    model.compile(
        keras.optimizers.Adam(1e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    model.fit((x_train[keep] - mean) / std, seen_labels, batch_size=128, epochs=40, verbose=0)
    embed = keras.Model(inputs, projection)

    val_maps, y_held = held_out_maps(cfg, val, holdout)
    x_held = pooled(val_maps)

    def embedding(x: np.ndarray, recipe: str) -> np.ndarray:
        generic = unit_rows(x)
        if recipe == "generic":
            return generic
        trained = embed.predict((x - mean) / std, verbose=0)
        return recipe_embedding(cfg, generic, val_maps, trained)

    results = {"held_out": holdout, "k": FEW_SHOT_K}
    for recipe in ("generic", "shipped_recipe"):
        results[recipe] = prototype_top1(embedding(x_held, recipe), y_held, cfg.seed)
        if "top1_mean" in results[recipe]:
            log(
                f"  few-shot ({recipe}, {FEW_SHOT_K}-shot, {len(holdout)} unseen characters): "
                f"top-1 {results[recipe]['top1_mean']:.3f} +- {results[recipe]['top1_std']:.3f}"
            )
    return results


def few_shot_classes(cfg: TrainConfig, classes: list[str]) -> tuple[list[str], list[str]] | None:
    """(held-out characters, the others) for the few-shot checks; None if too few."""
    holdout = [c for c in cfg.few_shot_holdout if c in classes]
    seen = [c for c in classes if c not in holdout]
    return (holdout, seen) if holdout and len(seen) >= 2 else None


def held_out_maps(
    cfg: TrainConfig, val: list[Record], holdout: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Cached trunk activations (float32) and labels of the held-out characters'
    validation images."""
    labels = np.array([r.label for r in val])
    rows = np.flatnonzero(np.isin(labels, holdout))
    return np.asarray(load_features(cfg, "val", 1)[0][rows], np.float32), labels[rows]


def recipe_embedding(
    cfg: TrainConfig, pooled_features: np.ndarray, maps: np.ndarray, trained: np.ndarray
) -> np.ndarray:
    """The exported model's embedding recipe in NumPy (pooled, stripes, trained; each L2)."""
    parts = [unit_rows(pooled_features)]
    if cfg.embedding_stripes > 1:
        parts.append(
            unit_rows(stripe_features(maps, cfg.embedding_stripes, cfg.foreground_stripes))
        )
    parts.append(unit_rows(trained))
    return unit_rows(np.concatenate(parts, axis=1))


def prototype_top1(embeddings: np.ndarray, labels: np.ndarray, seed: int, draws: int = 10) -> dict:
    """Enrol ``FEW_SHOT_K`` random images per label (mean embedding), classify the rest by
    the nearest prototype; top-1 over ``draws`` seeded draws."""
    # A character needs its K enrolled images plus at least one to classify.
    classes = [c for c in sorted(set(labels.tolist())) if np.sum(labels == c) > FEW_SHOT_K]
    if len(classes) < 2:
        return {"skipped": f"fewer than 2 characters with more than {FEW_SHOT_K} images"}
    accuracies = []
    for draw in range(draws):
        rng = np.random.default_rng([seed, draw])
        prototypes, query, query_labels = [], [], []
        for i, c in enumerate(classes):
            idx = np.flatnonzero(labels == c)
            rng.shuffle(idx)
            prototypes.append(embeddings[idx[:FEW_SHOT_K]].mean(0))
            query.extend(idx[FEW_SHOT_K:])
            query_labels.extend([i] * (len(idx) - FEW_SHOT_K))
        similarity = embeddings[np.array(query)] @ np.stack(prototypes).T
        accuracies.append(float((similarity.argmax(1) == np.array(query_labels)).mean()))
    return {
        "top1_mean": float(np.mean(accuracies)),
        "top1_std": float(np.std(accuracies)),
        "draws": len(accuracies),
    }


# --- main -----------------------------------------------------------------------------


def summarise(
    name: str,
    probs: np.ndarray,
    labels: np.ndarray,
    classes: list[str],
    groups: list[str],
    figures: Path,
    log,
) -> dict:
    ece, table = reliability(probs, labels)
    result = {
        "top1": topk_accuracy(probs, labels, 1),
        "top5": topk_accuracy(probs, labels, 5),
        "ece": ece,
        "reliability": table,
        "per_class": per_class(probs, labels, classes),
        "not_sure": threshold_report(probs, labels, groups),
        "confusion": confusion(probs, labels, len(classes)).tolist(),
    }
    draw_confusion(
        np.array(result["confusion"]),
        classes,
        figures / f"confusion_{name}.png",
        f"{name}: top-1 {result['top1']:.1%}",
    )
    draw_reliability(table, ece, figures / f"reliability_{name}.png", name)
    ns = result["not_sure"]
    log(
        f"  {name}: top-1 {result['top1']:.4f}, top-5 {result['top5']:.4f}, ECE {ece:.3f}, "
        f"threshold {ns['threshold']:.2f} accepts {ns['accepted_share']:.1%} at "
        f"{ns['accepted_accuracy']:.1%} accuracy (cross-fitted)"
    )
    return result


def evaluate(
    cfg: TrainConfig, net, classes: list[str], train: list[Record], val: list[Record], log
) -> dict:
    figures = cfg.report_dir / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    labels = label_array(val, classes)
    groups = [r.group for r in val]
    model = build_trained_export_model(cfg, net)

    float_probs, int8_probs = [], []
    for lo in range(0, len(val), 256):
        pixels = pixels_for(cfg, val[lo : lo + 256])
        float_probs.append(model.predict(pixels, batch_size=32, verbose=0)["probabilities"])
        int8_probs.append(run_tflite(tflite_path(cfg), pixels)["probabilities"])
        log(f"  evaluated {min(lo + 256, len(val))}/{len(val)} validation images")
    report = {
        "classes": classes,
        "val_images": len(val),
        "val_groups": len(set(groups)),
        "float": summarise(
            "float", np.concatenate(float_probs), labels, classes, groups, figures, log
        ),
        "int8": summarise(
            "int8", np.concatenate(int8_probs), labels, classes, groups, figures, log
        ),
        "few_shot": few_shot_check(cfg, classes, train, val, log),
    }
    (cfg.report_dir / "evaluation.json").write_text(json.dumps(report, indent=2))
    return report
