"""Calibrate, assemble and convert the trained network to full-integer int8 TFLite.

1. Temperature scaling: one scalar T fitted on the validation logits (minimum NLL), so
   the probabilities the app shows mean what they say.
2. The export model (raw pixels -> ``probabilities``, ``embedding``) is converted with
   int8 weights, activations, input and output, calibrated on a seeded sample of
   clean training images.
3. The int8 model is checked against Keras on validation images.
"""

from __future__ import annotations

import json

import numpy as np

from fmf_desktop.vectors import unit_rows

from .config import TrainConfig
from .features import load_features, load_rgb, view_pixels
from .ingest import Record
from .train import (
    LinearHead,
    baseline_head_path,
    evaluate_logits,
    label_array,
    load_upper_weights,
    pooled,
)

CALIBRATION_SAMPLES = 300


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(labels)), labels].mean())

    grid = np.exp(np.linspace(np.log(0.3), np.log(5.0), 200))
    return float(grid[int(np.argmin([nll(t) for t in grid]))])


def tflite_path(cfg: TrainConfig) -> str:
    return str(cfg.work_dir / "model_int8.tflite")


def pixels_for(cfg: TrainConfig, items: list[Record]) -> np.ndarray:
    return np.stack(
        [view_pixels(load_rgb(cfg.data_dir / r.path), cfg, i, 0) for i, r in enumerate(items)]
    ).astype(np.float32)


def baseline_head(cfg: TrainConfig) -> LinearHead | None:
    path = baseline_head_path(cfg)
    return LinearHead.load(path) if cfg.baseline_weight > 0 and path.exists() else None


def build_trained_export_model(cfg: TrainConfig, net):
    from .model import build_export_model

    load_upper_weights(cfg, net.upper)
    calibration = json.loads((cfg.work_dir / "calibration.json").read_text())
    return build_export_model(net, cfg, calibration["temperature"], baseline_head(cfg))


def run_tflite(model_path: str, pixels: np.ndarray, threads: int = 2) -> dict[str, np.ndarray]:
    """Outputs of an int8 TFLite model for float pixel batches (one image at a time)."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=model_path, num_threads=threads)
    runner = interpreter.get_signature_runner()
    inputs = runner.get_input_details()["image"]
    outputs = runner.get_output_details()
    scale, zero = inputs["quantization"]
    results: dict[str, list[np.ndarray]] = {name: [] for name in outputs}
    for image in pixels:
        q = np.clip(np.round(image / scale + zero), -128, 127).astype(inputs["dtype"])
        out = runner(image=q[None])
        for name, detail in outputs.items():
            o_scale, o_zero = detail["quantization"]
            value = out[name].astype(np.float32)
            if o_scale:
                value = (value - o_zero) * o_scale
            results[name].append(value[0])
    return {name: np.stack(v) for name, v in results.items()}


def convert(
    cfg: TrainConfig, net, classes: list[str], train: list[Record], val: list[Record], log
) -> None:
    import tensorflow as tf

    from .model import combined_logits

    load_upper_weights(cfg, net.upper)
    val_features = load_features(cfg, "val", 1)[0]
    logits, _ = evaluate_logits(net.upper, val_features)
    head = baseline_head(cfg)
    if head is not None:
        logits = combined_logits(logits, head.logits(pooled(val_features)), cfg.baseline_weight)
    temperature = fit_temperature(logits, label_array(val, classes))
    (cfg.work_dir / "calibration.json").write_text(json.dumps({"temperature": temperature}))
    log(f"  temperature {temperature:.3f}")

    model = build_trained_export_model(cfg, net)
    rng = np.random.default_rng(cfg.seed)
    sample = [
        train[i]
        for i in rng.choice(len(train), min(CALIBRATION_SAMPLES, len(train)), replace=False)
    ]
    calibration_pixels = pixels_for(cfg, sample)

    def representative():
        for image in calibration_pixels:
            yield [image[None]]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    data = converter.convert()
    tmp = cfg.work_dir / "model_int8.tmp.tflite"
    tmp.write_bytes(data)
    tmp.replace(tflite_path(cfg))
    log(f"  int8 model: {len(data) / 1e6:.1f} MB")

    # Check the int8 model against Keras on validation images.
    check = val[: min(64, len(val))]
    pixels = pixels_for(cfg, check)
    reference = model.predict(pixels, batch_size=16, verbose=0)
    quantised = run_tflite(tflite_path(cfg), pixels)
    agree = float(
        (reference["probabilities"].argmax(1) == quantised["probabilities"].argmax(1)).mean()
    )
    # The graph gives the embedding length model.VECTOR_LENGTH, and int8 rounding moves it
    # (the app re-normalises): compare directions.
    q_emb = unit_rows(quantised["embedding"])
    cosine = float(np.mean(np.sum(unit_rows(reference["embedding"]) * q_emb, axis=1)))
    max_prob_diff = float(np.abs(reference["probabilities"] - quantised["probabilities"]).max())
    report = {
        "top1_agreement": agree,
        "embedding_cosine": cosine,
        "max_probability_diff": max_prob_diff,
        "images": len(check),
        "bytes": len(data),
    }
    cfg.report_dir.mkdir(parents=True, exist_ok=True)
    (cfg.report_dir / "conversion.json").write_text(json.dumps(report, indent=2))
    log(
        f"  int8 vs Keras on {len(check)} val images: top-1 agreement {agree:.3f}, "
        f"embedding cosine {cosine:.4f}, max probability diff {max_prob_diff:.3f}"
    )
