"""ImageNet InceptionV3 weights: the Keras hub path, and an offline path from npm.

Offline path: the npm package ``nsfwjs@4.4.0`` (MIT) ships an InceptionV3 saved from
Keras 2.2.4 in TensorFlow.js layers format. It started from ImageNet weights and had its
layers from ``conv2d_56`` upward fine-tuned for another task, so the lower blocks are
genuine ImageNet features and the upper ones are a starting point to retrain.

Format: ``model.min.js`` is a JavaScript module whose export is an object literal with
``modelTopology`` and ``weightsManifest``; each ``group1-shardNofM.min.js`` exports one
base64 string. Concatenated, the decoded shards hold every tensor of the manifest in
manifest order as uint8, dequantised as ``q * scale + min``.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import tarfile
from collections import defaultdict
from pathlib import Path

import numpy as np

NSFWJS_PACKAGE = "nsfwjs@4.4.0"
MODEL_DIR_IN_PACKAGE = "package/dist/models/inception_v3"


# --- decoding --------------------------------------------------------------------------


def _js_object_to_json(text: str) -> str:
    """Turn a minified JavaScript object literal (machine-written) into JSON."""
    text = re.sub(r"([{,])([A-Za-z_$][\w$]*):", r'\1"\2":', text)
    text = text.replace("!1", "false").replace("!0", "true")
    # Minifiers drop the leading zero: ".5" and "-.5".
    return re.sub(r"([:\[,])(-?)\.(\d)", r"\g<1>\g<2>0.\3", text)


def parse_manifest(model_js: str) -> list[dict]:
    """The weights manifest (list of tensor specs, in storage order) from model.min.js."""
    start = model_js.find("weightsManifest:")
    if start < 0:
        raise ValueError("model.min.js has no weightsManifest")
    # The manifest is the array right after the key; find its matching bracket.
    i = model_js.index("[", start)
    depth = 0
    for j in range(i, len(model_js)):
        if model_js[j] == "[":
            depth += 1
        elif model_js[j] == "]":
            depth -= 1
            if depth == 0:
                break
    groups = json.loads(_js_object_to_json(model_js[i : j + 1]))
    return [w for group in groups for w in group["weights"]]


def shard_bytes(shard_js: str) -> bytes:
    """The binary payload of one shard: the longest base64 string literal in the file."""
    literals = re.findall(r'"([A-Za-z0-9+/=]{16,})"', shard_js)
    if not literals:
        raise ValueError("shard has no base64 payload")
    return base64.b64decode(max(literals, key=len))


def decode_tensors(manifest: list[dict], payload: bytes) -> dict[str, np.ndarray]:
    """Dequantise every tensor of the manifest from the concatenated shard bytes."""
    needed = sum(
        int(np.prod(spec["shape"])) * (1 if spec.get("quantization") else 4) for spec in manifest
    )
    if needed != len(payload):
        raise ValueError(
            f"shards hold {len(payload)} bytes but the manifest needs {needed}: "
            "a shard is missing, truncated or from another model"
        )
    tensors: dict[str, np.ndarray] = {}
    offset = 0
    for spec in manifest:
        shape = tuple(spec["shape"])
        count = int(np.prod(shape)) if shape else 1
        quant = spec.get("quantization")
        if quant:
            if quant["dtype"] != "uint8":
                raise ValueError(f"unsupported quantisation {quant['dtype']} for {spec['name']}")
            raw = np.frombuffer(payload, dtype=np.uint8, count=count, offset=offset)
            values = raw.astype(np.float32) * np.float32(quant["scale"]) + np.float32(quant["min"])
            offset += count
        else:
            values = np.frombuffer(payload, dtype=np.float32, count=count, offset=offset).copy()
            offset += 4 * count
        tensors[spec["name"]] = values.reshape(shape)
    return tensors


def decode_model_dir(model_dir: Path) -> dict[str, np.ndarray]:
    manifest = parse_manifest((model_dir / "model.min.js").read_text(encoding="utf-8"))
    shards = sorted(
        model_dir.glob("group1-shard*of*.min.js"),
        key=lambda p: int(re.search(r"shard(\d+)of", p.name).group(1)),  # type: ignore[union-attr]
    )
    if not shards:
        raise FileNotFoundError(f"no weight shards in {model_dir}")
    payload = b"".join(shard_bytes(p.read_text(encoding="utf-8")) for p in shards)
    return decode_tensors(manifest, payload)


# --- mapping onto keras.applications.InceptionV3 --------------------------------------


def _layer_number(name: str) -> int:
    match = re.search(r"_(\d+)$", name)
    return int(match.group(1)) if match else 0


def conv_bn_weights(tensors: dict[str, np.ndarray]) -> tuple[list[list], list[list]]:
    """Per-layer weight lists for the convolutions and batch norms, in layer order."""
    by_layer: dict[str, dict[str, np.ndarray]] = defaultdict(dict)
    for name, value in tensors.items():
        layer, _, param = name.partition("/")
        by_layer[layer][param] = value
    convs = sorted((n for n in by_layer if n.startswith("conv2d_")), key=_layer_number)
    norms = sorted((n for n in by_layer if n.startswith("batch_normalization_")), key=_layer_number)
    conv_weights = [[by_layer[n]["kernel"]] for n in convs]
    # InceptionV3's batch norms have no gamma (scale=False): beta, mean, variance.
    bn_weights = [
        [by_layer[n]["beta"], by_layer[n]["moving_mean"], by_layer[n]["moving_variance"]]
        for n in norms
    ]
    return conv_weights, bn_weights


def load_into_inception(model, tensors: dict[str, np.ndarray]) -> int:
    """Set the weights of an ``InceptionV3(include_top=False)``; returns layers set."""
    import keras

    conv_weights, bn_weights = conv_bn_weights(tensors)
    # model.layers is in topological order, which interleaves branches differently from
    # Keras 2.2.4; the auto-generated names ("conv2d", "conv2d_1", ...) follow creation
    # order, the same order as the numbered names in the manifest.
    convs = sorted(
        (layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)),
        key=lambda layer: _layer_number(layer.name),
    )
    norms = sorted(
        (layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)),
        key=lambda layer: _layer_number(layer.name),
    )
    if len(convs) != len(conv_weights) or len(norms) != len(bn_weights):
        raise ValueError(
            f"layer count mismatch: model has {len(convs)} conv / {len(norms)} bn, "
            f"weights have {len(conv_weights)} / {len(bn_weights)}"
        )
    for layer, weights in zip(convs, conv_weights, strict=True):
        layer.set_weights(weights)
    for layer, weights in zip(norms, bn_weights, strict=True):
        layer.set_weights(weights)
    return len(convs) + len(norms)


# --- fetching and caching -------------------------------------------------------------


def fetch_nsfwjs(cache_dir: Path) -> Path:
    """Download (``npm pack``) and unpack nsfwjs into the cache; returns the model dir."""
    model_dir = cache_dir / MODEL_DIR_IN_PACKAGE
    if (model_dir / "model.min.js").exists():
        return model_dir
    cache_dir.mkdir(parents=True, exist_ok=True)
    tarballs = list(cache_dir.glob("nsfwjs-*.tgz"))
    if not tarballs:
        subprocess.run(["npm", "pack", NSFWJS_PACKAGE], cwd=cache_dir, check=True)
        tarballs = list(cache_dir.glob("nsfwjs-*.tgz"))
    with tarfile.open(tarballs[0]) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(MODEL_DIR_IN_PACKAGE)]
        tar.extractall(cache_dir, members=members, filter="data")
    return model_dir


def cached_imagenet_tensors(cache_dir: Path) -> dict[str, np.ndarray]:
    """Decoded offline weights, cached as .npz so decoding happens once."""
    npz = cache_dir / "nsfwjs_inception_v3.npz"
    if npz.exists():
        with np.load(npz) as data:
            return {k.replace("|", "/"): data[k] for k in data.files}
    tensors = decode_model_dir(fetch_nsfwjs(cache_dir))
    tmp = npz.with_suffix(".tmp.npz")
    np.savez(tmp, **{k.replace("/", "|"): v for k, v in tensors.items()})
    tmp.replace(npz)
    return tensors


def build_inception(input_size: int, source: str, cache_dir: Path):
    """``InceptionV3(include_top=False)`` with ImageNet weights from ``source``.

    ``source`` is ``"imagenet"`` (Keras hub download; needs internet), ``"nsfwjs"`` (the
    offline path above) or ``"none"`` (random, for tests).
    """
    import keras

    shape = (input_size, input_size, 3)
    if source == "imagenet":
        return keras.applications.InceptionV3(
            include_top=False, weights="imagenet", input_shape=shape
        )
    model = keras.applications.InceptionV3(include_top=False, weights=None, input_shape=shape)
    if source == "nsfwjs":
        load_into_inception(model, cached_imagenet_tensors(cache_dir))
    elif source != "none":
        raise ValueError(f"unknown weights source {source!r}")
    return model


# Input scaling each weight source was trained with: x * scale + offset.
# nsfwjs was trained on x/255 (measured slightly better than x/127.5-1 here).
INPUT_SCALING: dict[str, tuple[float, float]] = {
    "imagenet": (1 / 127.5, -1.0),
    "nsfwjs": (1 / 255.0, 0.0),
    "none": (1 / 255.0, 0.0),
}
