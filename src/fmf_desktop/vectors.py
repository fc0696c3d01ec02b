"""Small vector helpers shared by matching, the familiarity gate and training."""

from __future__ import annotations

import numpy as np


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (cosine similarity becomes a dot product); zero rows
    stay zero instead of dividing by zero."""
    # einsum: the squared norms without a temporary copy of x (much faster than
    # np.linalg.norm on the (10,000 x 3,328) matrices of a large taught library).
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))[:, None]
    return x / np.maximum(norms, 1e-12)
