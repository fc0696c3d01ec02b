"""The network: a frozen ImageNet trunk, retrained upper blocks, and the exported model.

InceptionV3 is cut after ``frozen_until`` (``mixed5``): below it the offline weights are
genuine ImageNet and transfer well (measured: a linear probe on ``mixed5`` beats every
higher block); above it they were re-tuned for another task, so ``mixed6``..``mixed10``
are retrained here, from those weights, on cached trunk activations.

The exported model takes raw RGB pixels (0..255) and has two outputs:
``probabilities`` (temperature-calibrated softmax) and ``embedding`` (the concatenation,
scaled to length ``VECTOR_LENGTH``, of L2-normalised parts: the trunk's pooled ImageNet
features, the same pooled per horizontal stripe (weighted towards the foreground), and
the trained 256-d embedding; the generic parts keep taught figures that look nothing like
anime faces recognisable).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import tensorflow as tf

from .config import VECTOR_LENGTH, TrainConfig
from .train import FOREGROUND_FLOOR, FOREGROUND_POWER, stripe_bounds
from .weights import INPUT_SCALING, build_inception


@dataclass
class Network:
    trunk: keras.Model  # raw pixels -> trunk activations (frozen)
    upper: keras.Model  # trunk activations -> (logits, embedding)
    trunk_shape: tuple[int, int, int]


def build_network(cfg: TrainConfig, num_classes: int) -> Network:
    keras.utils.set_random_seed(cfg.seed)
    inception = build_inception(cfg.input_size, cfg.weights, cfg.cache_dir)
    scale, offset = INPUT_SCALING[cfg.weights]

    pixels = keras.Input((cfg.input_size, cfg.input_size, 3), name="image")
    scaled = keras.layers.Rescaling(scale, offset, name="input_scaling")(pixels)
    cut = inception.get_layer(cfg.frozen_until).output
    trunk_core = keras.Model(inception.input, cut, name="trunk_core")
    trunk = keras.Model(pixels, trunk_core(scaled), name="trunk")
    trunk.trainable = False

    trunk_shape = tuple(int(d) for d in cut.shape[1:])
    activations = keras.Input(trunk_shape, name="trunk_activations")
    blocks = keras.Model(cut, inception.output, name="upper_blocks")
    x = keras.layers.GlobalAveragePooling2D(name="upper_pool")(blocks(activations))
    x = keras.layers.Dropout(0.3, name="upper_dropout")(x)
    embedding = keras.layers.Dense(cfg.embedding_dim, name="embedding_dense")(x)
    logits = keras.layers.Dense(num_classes, name="logits")(
        keras.layers.Dropout(0.2, name="head_dropout")(keras.layers.ReLU()(embedding))
    )
    upper = keras.Model(activations, [logits, embedding], name="upper")
    return Network(trunk=trunk, upper=upper, trunk_shape=trunk_shape)  # type: ignore[arg-type]


class _Calibrated(keras.layers.Layer):
    """softmax(logits / T), with T fitted on validation."""

    def __init__(self, temperature: float, **kwargs):
        super().__init__(**kwargs)
        self.temperature = float(temperature)

    def call(self, logits):
        return tf.nn.softmax(logits / self.temperature)


class _Mix(keras.layers.Layer):
    """(1 - w) * a + w * b, as a layer (raw arithmetic on symbolic Keras tensors misbehaves)."""

    def __init__(self, weight: float, **kwargs):
        super().__init__(**kwargs)
        self.weight = float(weight)

    def call(self, a, b):
        return combined_logits(a, b, self.weight)


def unit_vectors(x):
    """``x`` scaled to length ``VECTOR_LENGTH`` along its last axis: ``x * rsqrt(sum(x**2))
    * L``.

    Not ``tf.math.l2_normalize``: the converter turns that (and ``x * rsqrt(...)`` alone)
    into TFLite's L2_NORMALIZATION, whose int8 output has a fixed scale of 1/128, while
    the values of a 768- or 3328-d unit vector are mostly below 0.05, a few steps of it.
    A multiplication's output is quantised with a scale fitted to the range it takes.
    """
    norm = tf.reduce_sum(tf.square(x), axis=-1, keepdims=True)
    return x * (tf.math.rsqrt(tf.maximum(norm, 1e-12)) * VECTOR_LENGTH)


class _WithMirror(keras.layers.Layer):
    """A batch of n images -> 2n: the images, then the same images mirrored left-right."""

    def call(self, x):
        return tf.concat([x, tf.reverse(x, axis=[2])], axis=0)


class _MirrorMean(keras.layers.Layer):
    """Undo ``_WithMirror``: average each image's answer with its mirror's (2n -> n)."""

    def call(self, x):
        return tf.reduce_mean(tf.reshape(x, [2, -1, x.shape[-1]]), axis=0)


class _Stripes(keras.layers.Layer):
    """Pool each horizontal stripe of the activations, L2-normalise each, concat.

    With ``foreground``, cells are weighted as ``train.foreground_weights`` does (unlike the
    border: more weight), so a shared background counts less; otherwise a plain average.
    """

    def __init__(self, parts: int, foreground: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.parts = int(parts)
        self.foreground = bool(foreground)

    def get_config(self):
        return {**super().get_config(), "parts": self.parts, "foreground": self.foreground}

    def _weights(self, x):
        border = tf.concat(
            [x[:, 0], x[:, -1], x[:, 1:-1, 0], x[:, 1:-1, -1]], axis=1
        )  # (N, border cells, C)
        background = unit_vectors(tf.reduce_mean(border, axis=1))
        cosine = tf.reduce_sum(
            unit_vectors(x) * background[:, None, None, :], axis=-1, keepdims=True
        ) / (VECTOR_LENGTH * VECTOR_LENGTH)
        return tf.pow(tf.maximum(1.0 - cosine, FOREGROUND_FLOOR), float(FOREGROUND_POWER))

    def call(self, x):
        weighted = x * self._weights(x) if self.foreground else x
        stripes = [
            unit_vectors(tf.reduce_sum(weighted[:, top:bottom], axis=[1, 2]))
            for top, bottom in stripe_bounds(int(x.shape[1]), self.parts)
        ]
        return tf.concat(stripes, axis=-1)


class _L2(keras.layers.Layer):
    def call(self, x):
        return unit_vectors(x)


def combined_logits(upper_logits, baseline_logits, weight: float):
    """The classifier: a weighted mix of the retrained upper blocks and the frozen head.

    The two make different mistakes (one reads ImageNet mid-level texture, the other the
    retrained high-level features), so mixing their logits beats either alone.
    """
    return (1.0 - weight) * upper_logits + weight * baseline_logits


def build_export_model(
    net: Network, cfg: TrainConfig, temperature: float, baseline_head=None
) -> keras.Model:
    pixels = keras.Input((cfg.input_size, cfg.input_size, 3), name="image")
    views = _WithMirror(name="with_mirror")(pixels) if cfg.flip_tta else pixels
    activations = net.trunk(views)
    logits, trained_embedding = net.upper(activations)
    pooled = keras.layers.GlobalAveragePooling2D(name="trunk_pool")(activations)
    if baseline_head is not None and cfg.baseline_weight > 0:
        dense = keras.layers.Dense(baseline_head.bias.shape[0], name="baseline_logits")
        baseline = dense(pooled)
        dense.set_weights([baseline_head.kernel, baseline_head.bias])
        logits = _Mix(cfg.baseline_weight, name="mixed_logits")(logits, baseline)
    # The generic (pooled) part comes first: the app's familiarity gate reads it there.
    parts = [_L2(name="generic_norm")(pooled)]
    if cfg.embedding_stripes > 1:
        stripes = _Stripes(
            cfg.embedding_stripes, cfg.foreground_stripes, name="trunk_stripes"
        )(activations)
        parts.append(_L2(name="stripes_norm")(stripes))
    parts.append(_L2(name="trained_norm")(trained_embedding))
    embedding = keras.layers.Concatenate()(parts)
    probabilities = _Calibrated(temperature, name="view_probabilities")(logits)
    if cfg.flip_tta:
        # Mean of the calibrated probabilities (not of logits): each view's answer is
        # calibrated alone, and the mean of two calibrated answers stays a distribution.
        probabilities = _MirrorMean(name="mirror_mean_probabilities")(probabilities)
        embedding = _MirrorMean(name="mirror_mean_embedding")(embedding)
    probabilities = keras.layers.Identity(name="probabilities")(probabilities)
    embedding = _L2(name="embedding")(embedding)
    return keras.Model(
        pixels, {"probabilities": probabilities, "embedding": embedding}, name="fmf_inception_v3"
    )
