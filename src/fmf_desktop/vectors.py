"""Small vector helpers shared by matching, the familiarity gate and training."""

from __future__ import annotations

import numpy as np


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (cosine similarity becomes a dot product); zero rows
    stay zero instead of dividing by zero."""
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
