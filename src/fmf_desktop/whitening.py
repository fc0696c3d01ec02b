"""Learn from the user's own photos which differences don't tell figures apart.

Photos of one taught figure differ in pose, background, light and framing; those
differences are noise for recognition. ``WithinFigureWhitening`` estimates the directions
in which examples of the same figure vary (the within-figure scatter of the library) and
shrinks them, so cosine similarity is decided by what sets figures apart. This is
within-class covariance normalisation (WCCN), fitted in milliseconds from the library
itself whenever it changes: no retraining, and nothing fitted to any benchmark.

The covariance is shrunk towards the identity (``shrinkage``), so with few examples only
the few observed nuisance directions move and every other direction keeps its weight.
On real LEGO photos (``benchmarks/bench_fewshot.py``) the result hardly depends on the
shrinkage between 0.1 and 0.9; 0.5 is the middle of that range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .vectors import unit_rows

# Rows used to estimate the scatter, and so the most directions shrunk. Fitting costs
# O(rows^2 * D) and whitening the library O(examples * rows * D): with 512 a 1,000-figure
# library (5,000 examples) rebuilds in about half a second. Ordinary libraries (tens of
# figures) have far fewer rows than this, so it only matters for very large ones.
MAX_SCATTER_ROWS = 512
# Directions with less variance than this share of the largest are dropped: they would be
# kept almost unscaled anyway, and the smallest Gram eigenvalues are float32 rounding noise
# (each figure's centred rows sum to zero, so the scatter is rank-deficient by design).
_RANK_TOLERANCE = 1e-4


@dataclass(frozen=True)
class WithinFigureWhitening:
    """``x -> x - V^T ((1 - f) * (V x))``: each nuisance direction ``v_i`` scaled by ``f_i``.

    ``f_i = sqrt(s / ((1 - a) * e_i / a + s))`` is the inverse square root of the shrunk
    covariance ``(1 - a) * C + a * s * I`` relative to the untouched directions, where
    ``e_i`` is the within-figure variance along ``v_i``, ``s`` the mean variance per
    dimension and ``a`` the shrinkage. Rows come back unit length.
    """

    directions: np.ndarray  # (r, D) orthonormal rows
    keep: np.ndarray  # (r,) factor in (0, 1] for each direction

    @classmethod
    def identity(cls, dim: int) -> WithinFigureWhitening:
        return cls(np.zeros((0, dim), np.float32), np.zeros(0, np.float32))

    @classmethod
    def fit(
        cls, vectors: np.ndarray, owner: np.ndarray, shrinkage: float = 0.5
    ) -> WithinFigureWhitening:
        """Fit from examples (``vectors`` (N, D)) grouped by figure (``owner`` (N,)).

        Figures with a single example say nothing about within-figure variation; if no
        figure has two, or ``shrinkage`` >= 1, the result is the identity.
        """
        vectors = np.asarray(vectors, np.float32)
        owner = np.asarray(owner)
        dim = vectors.shape[1] if vectors.ndim == 2 else 0
        if shrinkage >= 1.0 or vectors.shape[0] < 2:
            return cls.identity(dim)
        unit = unit_rows(vectors)
        figures, figure_of, counts = np.unique(owner, return_inverse=True, return_counts=True)
        shared = counts[figure_of] >= 2  # rows of figures with at least two examples
        if not shared.any():
            return cls.identity(dim)
        if np.all(np.diff(figure_of) >= 0):  # grouped already (as the index passes them)
            grouped, starts = unit, np.flatnonzero(np.r_[True, np.diff(figure_of) != 0])
        else:
            order = np.argsort(figure_of, kind="stable")
            grouped = unit[order]
            starts = np.flatnonzero(np.r_[True, np.diff(figure_of[order]) != 0])
        means = np.add.reduceat(grouped, starts, axis=0) / counts[:, None]
        rows = np.flatnonzero(shared)
        if len(rows) > MAX_SCATTER_ROWS:  # evenly spread: every part of the library counts
            rows = rows[np.linspace(0, len(rows) - 1, MAX_SCATTER_ROWS).astype(np.int64)]
        centred = unit[rows] - means[figure_of[rows]]
        # Eigenvectors of the (rows x rows) Gram matrix give the scatter's principal
        # directions far faster than an SVD of the (rows x D) matrix when rows << D.
        gram = (centred @ centred.T).astype(np.float64)
        eigenvalues, eigenvectors = np.linalg.eigh(gram)
        useful = eigenvalues > _RANK_TOLERANCE * max(float(eigenvalues.max()), 1e-30)
        if not useful.any():
            return cls.identity(dim)
        eigenvalues, eigenvectors = eigenvalues[useful], eigenvectors[:, useful]
        directions = (eigenvectors.T.astype(np.float32) @ centred) / np.sqrt(eigenvalues)[
            :, None
        ].astype(np.float32)
        # The Gram eigenvalues are the variances along the directions, times the row
        # count; only their ratios matter below, so they serve as is.
        mean_variance = float(eigenvalues.sum()) / dim
        a = max(float(shrinkage), 1e-6)
        keep = np.sqrt(mean_variance / ((1.0 - a) * eigenvalues / a + mean_variance))
        return cls(directions.astype(np.float32), keep.astype(np.float32))

    @property
    def rank(self) -> int:
        return int(self.directions.shape[0])

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """Whitened, unit-length copies of ``vectors`` (M, D)."""
        x = unit_rows(np.asarray(vectors, np.float32))
        if self.rank == 0:
            return x
        coords = x @ self.directions.T
        return unit_rows(x - (coords * (1.0 - self.keep)) @ self.directions)
