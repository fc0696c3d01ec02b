"""The offline weight decoder, on shards this test writes in the nsfwjs format."""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from training import weights

UMD = (
    '!function(a){if("object"==typeof exports&&"undefined"!=typeof module)module.exports=a();'
    "else{(this).model=a()}}(function(){return function a(n,i,e){}({1:[function(a,n,i){"
    "n.exports=%s},{}]},{},[1])(1)});"
)


def _js_literal(value) -> str:
    """Minify like the real files: unquoted keys, !1 for false, no leading zeros."""
    text = json.dumps(value, separators=(",", ":"))
    text = re.sub(r'"([A-Za-z_$][\w$]*)":', r"\1:", text)
    text = text.replace("false", "!1").replace("true", "!0")
    return re.sub(r"([:\[,])(-?)0\.(\d)", r"\1\2.\3", text)


def write_model_dir(folder: Path, tensors: dict[str, np.ndarray], shards: int = 3) -> dict:
    """Quantise ``tensors`` to uint8 and write model.min.js + shard files; returns specs."""
    manifest, payload = [], b""
    for name in sorted(tensors):
        value = tensors[name].astype(np.float32)
        lo, hi = float(value.min()), float(value.max())
        scale = (hi - lo) / 255 or 1.0
        q = np.clip(np.round((value - lo) / scale), 0, 255).astype(np.uint8)
        manifest.append(
            {
                "name": name,
                "shape": list(value.shape),
                "dtype": "float32",
                "quantization": {"min": lo, "scale": scale, "dtype": "uint8"},
            }
        )
        payload += q.tobytes()
    folder.mkdir(parents=True, exist_ok=True)
    doc = {
        "modelTopology": {
            "keras_version": "2.2.4",
            "training_config": {"sample_weight_mode": None, "flag": False},
        },
        "weightsManifest": [
            {
                "paths": [f"group1-shard{i + 1}of{shards}" for i in range(shards)],
                "weights": manifest,
            }
        ],
    }
    (folder / "model.min.js").write_text(UMD % _js_literal(doc))
    cut = np.linspace(0, len(payload), shards + 1).astype(int)
    for i in range(shards):
        chunk = base64.b64encode(payload[cut[i] : cut[i + 1]]).decode()
        (folder / f"group1-shard{i + 1}of{shards}.min.js").write_text(UMD % f'"{chunk}"')
    return {m["name"]: m["quantization"]["scale"] for m in manifest}


def test_decoder_recovers_every_tensor_within_one_quantisation_step(tmp_path):
    rng = np.random.default_rng(0)
    tensors = {
        "conv2d_1/kernel": rng.normal(size=(3, 3, 3, 8)),
        "conv2d_2/kernel": rng.normal(size=(1, 1, 8, 4)) * 0.01,
        "batch_normalization_1/beta": rng.normal(size=8),
        "batch_normalization_1/moving_mean": rng.normal(size=8),
        "batch_normalization_1/moving_variance": rng.uniform(0.1, 2, size=8),
        "dense_1/bias": np.linspace(-0.5, 0.25, 5),
    }
    scales = write_model_dir(tmp_path, tensors)
    decoded = weights.decode_model_dir(tmp_path)
    assert set(decoded) == set(tensors)
    for name, value in tensors.items():
        assert decoded[name].shape == value.shape
        assert np.abs(decoded[name] - value).max() <= scales[name] / 2 + 1e-6, name


def test_decoder_rejects_a_truncated_shard(tmp_path):
    write_model_dir(tmp_path, {"conv2d_1/kernel": np.ones((2, 2, 3, 4)), "x_1/bias": np.ones(300)})
    shard = tmp_path / "group1-shard3of3.min.js"
    text = shard.read_text()
    payload = max(re.findall(r'"([A-Za-z0-9+/=]{16,})"', text), key=len)
    shard.write_text(text.replace(payload, payload[40:]))  # 30 bytes lost, still valid base64
    with pytest.raises(ValueError, match="bytes"):
        weights.decode_model_dir(tmp_path)


@pytest.mark.slow
def test_weights_load_onto_keras_inception_in_creation_order(tmp_path):
    """Write a Keras InceptionV3's own weights in the nsfwjs format, decode, load: same net."""
    keras = pytest.importorskip("keras")
    source = keras.applications.InceptionV3(
        include_top=False, weights=None, input_shape=(75, 75, 3)
    )
    tensors = {}
    for kind, prefix, params in (
        (keras.layers.Conv2D, "conv2d", ["kernel"]),
        (
            keras.layers.BatchNormalization,
            "batch_normalization",
            ["beta", "moving_mean", "moving_variance"],
        ),
    ):
        layers = sorted(
            (layer for layer in source.layers if isinstance(layer, kind)),
            key=lambda layer: weights._layer_number(layer.name),
        )
        for n, layer in enumerate(layers, start=1):
            for param, value in zip(params, layer.get_weights(), strict=True):
                # Shift the variances away from 1 so a mix-up would show.
                tensors[f"{prefix}_{n}/{param}"] = value + (
                    0.1 * n if param == "moving_variance" else 0
                )
    write_model_dir(tmp_path / "m", tensors, shards=6)
    target = keras.applications.InceptionV3(
        include_top=False, weights=None, input_shape=(75, 75, 3)
    )
    assert weights.load_into_inception(target, weights.decode_model_dir(tmp_path / "m")) == 188
    norms = sorted(
        (layer for layer in target.layers if isinstance(layer, keras.layers.BatchNormalization)),
        key=lambda layer: weights._layer_number(layer.name),
    )
    assert np.allclose(norms[-1].get_weights()[2], 1 + 0.1 * 94, atol=0.05)


@pytest.mark.npm
@pytest.mark.skipif(
    os.environ.get("FMF_TEST_NPM") != "1",
    reason="downloads nsfwjs@4.4.0 from the npm registry; set FMF_TEST_NPM=1",
)
def test_real_nsfwjs_package_decodes_to_inception_v3(tmp_path):
    tensors = weights.decode_model_dir(weights.fetch_nsfwjs(tmp_path))
    assert len(tensors) == 382
    convs, norms = weights.conv_bn_weights(tensors)
    assert len(convs) + len(norms) == 188
    assert all((n[2] > 0).all() for n in norms), "moving variances must be positive"
