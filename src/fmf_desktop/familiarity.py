"""Does a crop look like what the bundled classes were trained on?

The bundled classifier only ever saw drawn anime faces, and a softmax has no way to say
"none of these": shown a LEGO minifigure it still names a character, often with high
confidence (measured: 83% of real LEGO photos got a top probability above the old "not
sure" threshold). Its embedding does know, though: the generic part that comes first in
it (pooled ImageNet ``mixed5`` features) of a drawn face sits close to other drawn faces,
and a photo of some other kind of figure does not.

``FamiliarityGate`` keeps a sample of training crops' generic features (made by
``python -m training familiarity``, shipped as ``assets/familiarity.npz``). A crop's
familiarity is its mean cosine similarity to the ``k`` nearest of them, and
``in_domain_weight`` maps it to a probability-like weight in [0, 1]. The recognizer
discounts the bundled classes by that weight on crops unlike their training drawings
when a figure the user taught matches, or when the crop is nearer the user's taught
photos than any training drawing (``closer_to``). It does not discount untaught answers
on unfamiliar crops by itself, because simple anime faces (chibi figures, the code-drawn
sample) score as unfamiliar as LEGO photos do (measured), and a hard gate would make
real anime figurines "not sure". The threshold is chosen on validation faces only (clean
and photo-like augmented).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .vectors import unit_rows

FORMAT = 1


class FamiliarityError(RuntimeError):
    """The familiarity file is unusable (the app then runs without the gate)."""


@dataclass(frozen=True)
class FamiliarityGate:
    references: np.ndarray  # (N, G) float32, L2-normalised generic features of training crops
    threshold: float  # familiarity at which the weight is 0.5
    scale: float  # logistic width: how fast the weight falls below the threshold
    k: int  # neighbours averaged

    @property
    def dims(self) -> int:
        """How many leading embedding values are the generic features."""
        return int(self.references.shape[1])

    def familiarity(
        self, embeddings: np.ndarray, references: np.ndarray | None = None
    ) -> np.ndarray:
        """(M,) mean cosine similarity of each embedding's generic part to its k nearest
        training crops, or to its k nearest of ``references`` ((N, dims), unit rows)."""
        e = np.asarray(embeddings, np.float32)
        e = e.reshape(1, -1) if e.ndim == 1 else e
        if e.shape[1] < self.dims:
            raise ValueError(f"embedding has {e.shape[1]} values, the gate needs {self.dims}")
        refs = self.references if references is None else references
        sims = unit_rows(e[:, : self.dims]) @ refs.T
        k = min(self.k, sims.shape[1])
        nearest = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
        return nearest.mean(axis=1)

    def closer_to(
        self, embedding: np.ndarray, photos: np.ndarray, familiarity: float | None = None
    ) -> bool:
        """Is the crop nearer the user's own ``photos`` ((N, dims) generic parts, unit
        rows) than the training drawings (its ``familiarity``, computed if not given)?
        Then it belongs to the world of the figures the user taught, where the bundled
        classes have no say (see recognition.py)."""
        if photos.shape[0] == 0:
            return False
        if familiarity is None:
            familiarity = float(self.familiarity(embedding)[0])
        return bool(self.familiarity(embedding, photos)[0] > familiarity)

    def weight(self, familiarity: float) -> float:
        """The in-domain weight of a crop with this familiarity."""
        z = (float(familiarity) - self.threshold) / max(self.scale, 1e-6)
        return float(1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0))))

    def in_domain_weight(self, embedding: np.ndarray) -> float:
        """About 1 for crops like the training drawings, towards 0 for other things."""
        return self.weight(float(self.familiarity(embedding)[0]))

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(
            tmp,
            format=np.int32(FORMAT),
            references=self.references.astype(np.float16),
            threshold=np.float32(self.threshold),
            scale=np.float32(self.scale),
            k=np.int32(self.k),
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> FamiliarityGate:
        try:
            with np.load(path) as data:
                if int(data["format"]) != FORMAT:
                    raise FamiliarityError(f"{path}: unknown format {int(data['format'])}")
                gate = cls(
                    references=unit_rows(data["references"].astype(np.float32)),
                    threshold=float(data["threshold"]),
                    scale=float(data["scale"]),
                    k=int(data["k"]),
                )
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise FamiliarityError(f"{path}: familiarity file is not valid ({exc})") from exc
        if gate.references.ndim != 2 or gate.references.shape[0] == 0 or gate.k < 1:
            raise FamiliarityError(f"{path}: familiarity file has no usable references")
        return gate
