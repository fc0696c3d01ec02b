"""The embedding's stripes weigh the figure above the background it stands on."""

from __future__ import annotations

import numpy as np
import pytest

from fmf_desktop.vectors import unit_rows
from training.train import FOREGROUND_FLOOR, foreground_weights, stripe_features

CHANNELS = 64


def scene(background: np.ndarray, figure: np.ndarray, seed: int) -> np.ndarray:
    """(1, 12, 12, C) activations: a figure in the middle columns on a background, with
    a little per-cell noise."""
    rng = np.random.default_rng(seed)
    maps = np.tile(background, (12, 12, 1)).astype(np.float32)
    maps[2:11, 4:8] = figure
    return (maps + 0.05 * rng.random(maps.shape))[None].astype(np.float32)


def random_features(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random(CHANNELS).astype(np.float32) ** 3


def test_cells_unlike_the_border_weigh_more():
    weights = foreground_weights(scene(random_features(1), random_features(2), seed=0))[0]
    assert weights[6, 5] > 20 * weights[0, 0]
    assert weights[0, 0] >= FOREGROUND_FLOOR**2


def test_a_crop_of_background_alone_stays_defined():
    flat = np.tile(random_features(3), (1, 12, 12, 1))
    weights = foreground_weights(flat)
    assert np.all(np.isfinite(weights)) and np.allclose(weights, weights[0, 0, 0])
    assert np.all(np.isfinite(stripe_features(flat, 3)))


def test_the_same_figure_on_two_backgrounds_matches_better_with_foreground_weighting():
    figure = random_features(10)
    shelf = scene(random_features(11), figure, seed=1)
    desk = scene(random_features(12), figure, seed=2)
    other_figure_on_shelf = scene(random_features(11), random_features(13), seed=3)

    def similarity(a: np.ndarray, b: np.ndarray, foreground: bool) -> float:
        x, y = (unit_rows(stripe_features(m, 3, foreground)) for m in (a, b))
        return float((x * y).sum())

    assert similarity(shelf, desk, True) > similarity(shelf, desk, False) + 0.1
    # ...and a different figure in the same setting no longer looks like it.
    assert similarity(shelf, desk, True) > similarity(shelf, other_figure_on_shelf, True)
    assert similarity(shelf, desk, False) < similarity(shelf, other_figure_on_shelf, False)


def test_the_exported_layer_computes_what_the_numpy_recipe_measures():
    pytest.importorskip("tensorflow", reason="training needs the [train] extra (tensorflow)")
    from training.config import VECTOR_LENGTH
    from training.model import _Stripes

    maps = np.concatenate([scene(random_features(20), random_features(21), s) for s in (0, 1)])
    for foreground in (True, False):
        layer = _Stripes(3, foreground)(maps).numpy() / VECTOR_LENGTH
        np.testing.assert_allclose(layer, stripe_features(maps, 3, foreground), atol=1e-5)
