"""Within-figure whitening: the ways one figure's photos differ stop deciding matches."""

from __future__ import annotations

import numpy as np
import pytest

from fmf_desktop.library import EmbeddingTable, TaughtFigure
from fmf_desktop.matching import PrototypeIndex, SimilarityCalibration
from fmf_desktop.whitening import MAX_SCATTER_ROWS, WithinFigureWhitening

DIM = 64


def unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float64)
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def posed_photos(identity: np.ndarray, pose: np.ndarray, amounts) -> np.ndarray:
    """Photos of one figure: its identity plus a varying amount of a shared 'pose' change
    (turning the figure, another background: the same for every figure)."""
    return unit(np.stack([identity + a * pose for a in amounts]))


def shelf(rng: np.random.Generator):
    """Two figures that differ a little in identity: A photographed in many poses, B only
    from the front."""
    base, pose, detail = (unit(rng.normal(size=DIM)) for _ in range(3))
    figure_a = base + 0.35 * detail
    figure_b = base - 0.35 * detail
    photos_a = posed_photos(figure_a, pose, [0.0, 0.6, 1.2, 1.8])
    photos_b = posed_photos(figure_b, pose, [-0.2, 0.0, 0.2])
    return figure_a, figure_b, pose, photos_a, photos_b


def index_for(photos_a, photos_b, shrinkage: float) -> PrototypeIndex:
    figures = (TaughtFigure(1, "A", "", ""), TaughtFigure(2, "B", "", ""))
    owner = np.r_[np.zeros(len(photos_a)), np.ones(len(photos_b))].astype(np.int32)
    table = EmbeddingTable(figures, owner, np.vstack([photos_a, photos_b]))
    return PrototypeIndex(table, SimilarityCalibration(within_figure_shrinkage=shrinkage))


def test_a_taught_figure_in_an_unusual_pose_is_matched_to_itself_not_a_look_alike():
    rng = np.random.default_rng(3)
    figure_a, figure_b, pose, photos_a, photos_b = shelf(rng)
    # B turned further than any of its taught photos, as far as A's: the pose dominates
    # the raw cosine.
    query = unit(figure_b + 1.5 * pose)[None]
    plain = index_for(photos_a, photos_b, shrinkage=1.0).similarities(query)[0]
    whitened = index_for(photos_a, photos_b, shrinkage=0.5).similarities(query)[0]
    assert plain.argmax() == 0, "the scene should fool plain cosine, or it proves nothing"
    assert whitened.argmax() == 1
    assert whitened[1] - whitened[0] > 0.1


def test_it_learns_the_shared_pose_direction_and_shrinks_it():
    rng = np.random.default_rng(4)
    _, _, pose, photos_a, photos_b = shelf(rng)
    owner = np.r_[np.zeros(len(photos_a)), np.ones(len(photos_b))]
    whitening = WithinFigureWhitening.fit(np.vstack([photos_a, photos_b]), owner)
    assert 1 <= whitening.rank <= len(owner) - 2  # each figure's residuals sum to zero
    # The strongest direction found is the pose, and it is kept only in small part.
    strongest = int(np.argmin(whitening.keep))
    # (Not exactly the pose: normalising each photo to unit length bends the path.)
    assert abs(float(whitening.directions[strongest] @ pose)) > 0.8
    assert whitening.keep[strongest] < 0.3
    out = whitening.apply(np.vstack([photos_a, photos_b]))
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    ("owner", "shrinkage"),
    [
        ([0, 1, 2], 0.5),  # one photo per figure says nothing about how photos vary
        ([0, 0, 1], 1.0),  # shrinkage 1 turns it off
    ],
)
def test_without_within_figure_evidence_cosine_is_unchanged(owner, shrinkage):
    rng = np.random.default_rng(5)
    vectors = unit(rng.normal(size=(3, DIM)))
    whitening = WithinFigureWhitening.fit(vectors, np.array(owner), shrinkage)
    assert whitening.rank == 0
    queries = rng.normal(size=(4, DIM))
    assert np.allclose(whitening.apply(queries), unit(queries), atol=1e-6)


def test_a_large_library_uses_a_bounded_sample_of_its_photos():
    rng = np.random.default_rng(6)
    figures = 700
    owner = np.repeat(np.arange(figures), 3)
    vectors = unit(rng.normal(size=(owner.size, DIM)))
    whitening = WithinFigureWhitening.fit(vectors, owner)
    assert owner.size > MAX_SCATTER_ROWS
    assert 0 < whitening.rank <= DIM
    assert np.all((whitening.keep > 0) & (whitening.keep <= 1))
    assert np.isfinite(whitening.apply(vectors[:5])).all()
