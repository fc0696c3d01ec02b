"""Match crop embeddings against the user's taught figures (the ``TaughtMatcher``).

Embeddings are first whitened by the library's own within-figure scatter (``whitening``):
the ways photos of one figure differ count for less. Each taught figure is then scored by
cosine similarity between the query embedding and the figure's examples: a blend of the
nearest example (copes with a figure photographed from very different sides) and the
normalised mean "prototype" (robust to one odd photo). The similarity goes through a
logistic calibration so the result is a probability-like score in [0, 1] that can be
merged with the bundled model's probabilities and judged by the same "not sure"
threshold. Everything is matrix algebra over (N, D) float32 arrays, so a library of 1,000
figures costs a few milliseconds next to the CNN.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .library import EmbeddingTable, Library, LibraryError, TaughtFigure
from .results import Candidate
from .vectors import unit_rows
from .whitening import WithinFigureWhitening

TOP_K = 5


@dataclass(frozen=True)
class SimilarityCalibration:
    """Logistic map from cosine similarity to a score; the figure's center maps to 0.5.

    The center is an open-set threshold, and it moves with the library:

    - down for figures with few photos ``n``: a figure's own new photos match it less
      closely (``few_examples_slack / n``);
    - up with the number of taught figures ``F``: the best of more look-alikes comes
      closer to an untaught figure (``many_figures_rise * ln F``, held at its value for
      ``most_figures``, the largest library measured, beyond that).

    So ``center_for(n, F) = center - few_examples_slack / n + many_figures_rise * ln F``,
    fitted per model to the cross-validated open-set thresholds of
    ``benchmarks/bench_fewshot.py``; labels.json can override it under
    ``calibration.taught``.
    """

    # For the bundled model (see MODEL_CARD.md), from benchmarks/bench_fewshot.py on real
    # LEGO photos (the 8 distinguishable figures; each photo with its extra view): the
    # open-set thresholds for 1..6 photos per figure and 2..6 figures taught fit
    # 0.9352 - 0.0610 / n + 0.0120 ln F within 0.005, which maps to the model's "not
    # sure" threshold 0.49. The 10 folders as given (2..8 figures) give the same rise
    # (0.0120), so it is held from 8 figures on. The scale is steeper than the logistic
    # fit on purpose: a near-identical taught match must beat any bundled class in the
    # top-5.
    center: float = 0.936
    few_examples_slack: float = 0.061
    many_figures_rise: float = 0.0120
    most_figures: int = 8
    scale: float = 0.01
    nearest_weight: float = 0.5  # blend: nearest example vs. mean prototype
    # Shrinkage of the within-figure whitening (1.0 turns it off); see whitening.py.
    within_figure_shrinkage: float = 0.5

    def center_for(self, examples: np.ndarray | int, figures: int = 1) -> np.ndarray:
        """The similarity that scores 0.5 for a figure with this many examples, in a
        library of ``figures`` figures."""
        n = np.maximum(np.asarray(examples, np.float32), 1.0)
        f = min(max(int(figures), 1), max(self.most_figures, 1))
        return self.center - self.few_examples_slack / n + self.many_figures_rise * math.log(f)

    def score(
        self,
        similarity: np.ndarray,
        examples: np.ndarray | int = 1_000_000,
        figures: int = 1,
    ) -> np.ndarray:
        """Scores for similarities to figures with ``examples`` examples (broadcasts over
        the last axis: one count per figure) in a library of ``figures`` figures. The
        defaults are the many-examples limit of a one-figure library."""
        center = self.center_for(examples, figures)
        z = (np.asarray(similarity, np.float32) - center) / max(self.scale, 1e-6)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))

    def similarity_for(self, score: float, examples: int = 1_000_000, figures: int = 1) -> float:
        """The cosine similarity that scores exactly ``score`` (to explain a threshold)."""
        score = min(max(score, 1e-6), 1 - 1e-6)
        center = float(self.center_for(examples, figures))
        return center + self.scale * math.log(score / (1 - score))

    @classmethod
    def from_labels(cls, labels: Mapping[str, object]) -> SimilarityCalibration:
        cal = labels.get("calibration") if isinstance(labels, Mapping) else None
        taught = cal.get("taught") if isinstance(cal, Mapping) else None
        if not isinstance(taught, Mapping):
            return cls()
        default = cls()
        return cls(
            center=float(taught.get("center", default.center)),
            few_examples_slack=float(
                taught.get("few_examples_slack", default.few_examples_slack)
            ),
            many_figures_rise=float(taught.get("many_figures_rise", default.many_figures_rise)),
            most_figures=int(taught.get("most_figures", default.most_figures)),
            scale=float(taught.get("scale", default.scale)),
            nearest_weight=float(taught.get("nearest_weight", default.nearest_weight)),
            within_figure_shrinkage=float(
                taught.get("within_figure_shrinkage", default.within_figure_shrinkage)
            ),
        )


def model_key(model_path: str | Path) -> str:
    """Identifies the model that made an embedding (embeddings of two models don't mix)."""
    digest = hashlib.sha256()
    with open(model_path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


class PrototypeIndex:
    """An immutable, vectorised index over one ``EmbeddingTable`` snapshot."""

    def __init__(
        self, table: EmbeddingTable, calibration: SimilarityCalibration | None = None
    ) -> None:
        self.calibration = calibration or SimilarityCalibration()
        used = np.unique(table.owner) if table.owner.size else np.zeros(0, np.int32)
        # Only figures that have examples for this model can be matched.
        self.figures: tuple[TaughtFigure, ...] = tuple(table.figures[i] for i in used)
        self._characters = tuple(f.character for f in self.figures)
        remap = np.full(len(table.figures) + 1, -1, np.int64)
        remap[used] = np.arange(used.size)
        owner = remap[table.owner] if table.owner.size else np.zeros(0, np.int64)
        order = np.argsort(owner, kind="stable")
        owner = owner[order]
        raw = np.asarray(table.matrix[order], dtype=np.float32)
        # The whitening learns from every row, extra views included: a photo and its
        # view show how that figure's pictures vary, even with one photo.
        self.whitening = WithinFigureWhitening.fit(
            raw, owner, self.calibration.within_figure_shrinkage
        )
        # Matching then uses the photos only (an example's first row; its views follow
        # it). As candidates the views changed no benchmark figure, and they would double
        # the cost of every match.
        if table.example is None or not owner.size:
            is_photo = np.ones(owner.size, bool)
        else:
            ids = table.example[order]
            is_photo = np.r_[True, ids[1:] != ids[:-1]]
        self._owner = owner[is_photo]
        self._photos = raw[is_photo]  # unwhitened, for the familiarity gate's question
        self._generic: dict[int, np.ndarray] = {}
        self._matrix = np.ascontiguousarray(self.whitening.apply(self._photos), np.float32)
        self._starts = (
            np.flatnonzero(np.r_[True, self._owner[1:] != self._owner[:-1]])
            if self._owner.size
            else np.zeros(0, np.int64)
        )
        # Photos per figure: the calibration's center depends on it.
        self._counts = np.diff(np.r_[self._starts, self._owner.size]).astype(np.float32)
        if self.figures:
            sums = np.add.reduceat(self._matrix, self._starts, axis=0)
            self._prototypes = unit_rows(sums).astype(np.float32)
        else:
            self._prototypes = np.zeros((0, self._matrix.shape[1]), np.float32)

    def __len__(self) -> int:
        return len(self.figures)

    @property
    def dim(self) -> int:
        return int(self._matrix.shape[1])

    def generic_photos(self, dims: int) -> np.ndarray:
        """(P, dims) the leading ``dims`` values of each taught photo, unit rows (the
        familiarity gate's generic features); computed once per index."""
        if dims not in self._generic:
            self._generic[dims] = unit_rows(self._photos[:, :dims]).astype(np.float32)
        return self._generic[dims]

    def similarities(self, queries: np.ndarray) -> np.ndarray:
        """(M, F) blended cosine similarity of each query to each figure."""
        q = np.asarray(queries, np.float32)
        q = q.reshape(1, -1) if q.ndim == 1 else q
        if not self.figures:
            return np.zeros((q.shape[0], 0), np.float32)
        if q.shape[1] != self.dim:
            raise ValueError(f"embedding has {q.shape[1]} values, the library has {self.dim}")
        q = self.whitening.apply(q)
        w = self.calibration.nearest_weight
        proto = q @ self._prototypes.T
        if w <= 0:
            return proto
        nearest = np.maximum.reduceat(q @ self._matrix.T, self._starts, axis=1)
        return w * nearest + (1.0 - w) * proto

    def scores(self, queries: np.ndarray) -> np.ndarray:
        return self.calibration.score(self.similarities(queries), self._counts, len(self))

    def match(self, embedding: np.ndarray, top_k: int = TOP_K) -> list[Candidate]:
        return self.match_many(np.asarray(embedding).reshape(1, -1), top_k)[0]

    def match_many(self, embeddings: np.ndarray, top_k: int = TOP_K) -> list[list[Candidate]]:
        scores = self.scores(embeddings)
        out: list[list[Candidate]] = []
        k = min(top_k, scores.shape[1])
        for row in scores:
            if k == 0:
                out.append([])
                continue
            best = np.argpartition(-row, k - 1)[:k]
            best = best[np.argsort(-row[best], kind="stable")]
            out.append([Candidate(self._characters[i], float(row[i])) for i in best])
        return out


class LibraryMatcher:
    """``TaughtMatcher`` backed by a live ``Library``; changes take effect at once.

    The index is rebuilt lazily when the library's revision changes (a teach, rename or
    delete here or in another process). If the library fails, matching degrades to "no
    taught figures" and ``last_error`` tells the UI why, so recognition keeps working.
    """

    def __init__(
        self,
        library: Library,
        model: str,
        dim: int | None = None,
        calibration: SimilarityCalibration | None = None,
        before_rebuild: Callable[[Library], object] | None = None,
    ) -> None:
        self.library = library
        self.model = model
        # Runs before each rebuild, on the matching thread: the app completes new
        # examples' extra views here (teaching.add_missing_views).
        self.before_rebuild = before_rebuild
        self.dim = dim
        self.calibration = calibration or SimilarityCalibration()
        self.last_error: str | None = None
        self._lock = threading.Lock()
        self._revision: tuple[int, int] | None = None
        empty = EmbeddingTable((), np.zeros(0, np.int32), np.zeros((0, dim or 0), np.float32))
        self._index = PrototypeIndex(empty, self.calibration)

    def index(self) -> PrototypeIndex:
        with self._lock:
            try:
                revision = self.library.revision
                if revision != self._revision:
                    if self.before_rebuild is not None:
                        # Until it finds nothing left to do: a teach on another thread
                        # can add examples while it runs, and an index built with those
                        # half-done would stay in use (its revision already counted
                        # them), so the same photo could be named differently from run
                        # to run. The last pass only reads.
                        while True:
                            self.before_rebuild(self.library)
                            done, revision = revision, self.library.revision
                            if revision == done:
                                break
                    # Anything written after this read changes the revision again, and
                    # the next call rebuilds.
                    table = self.library.embedding_table(self.model, self.dim)
                    self._index = PrototypeIndex(table, self.calibration)
                    self._revision = revision
                self.last_error = None
            except LibraryError as exc:
                self.last_error = str(exc)
            return self._index

    def match(self, embedding: np.ndarray) -> list[Candidate]:
        index = self.index()
        if len(index) == 0 or np.asarray(embedding).size != index.dim:
            return []
        return index.match(embedding)

    def __len__(self) -> int:
        """Taught figures in the index the last ``match`` used (see ``generic_photos``)."""
        with self._lock:
            return len(self._index)

    def generic_photos(self, dims: int) -> np.ndarray:
        """The taught photos of the index the last ``match`` used. Not ``self.index()``:
        callers ask right after matching the same crop, so checking the library's
        revision again (a query per crop, in the live loop too) would only repeat it."""
        with self._lock:
            index = self._index
        if len(index) == 0 or index.dim < dims:
            return np.zeros((0, dims), np.float32)
        return index.generic_photos(dims)
