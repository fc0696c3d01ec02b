"""Plain data objects passed between the core, the CLI and the Qt layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Decision = Literal["known", "unsure"]
# How a figurine's box was made: found by the locator, drawn by the user, or the whole photo.
Origin = Literal["detected", "manual", "whole-image"]


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in image pixels (x, y = top-left corner)."""

    x: int
    y: int
    w: int
    h: int

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]

    @property
    def area(self) -> int:
        return max(0, self.w) * max(0, self.h)

    def iou(self, other: Box) -> float:
        ix = max(0, min(self.x + self.w, other.x + other.w) - max(self.x, other.x))
        iy = max(0, min(self.y + self.h, other.y + other.h) - max(self.y, other.y))
        inter = ix * iy
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0


@dataclass(frozen=True)
class CharacterInfo:
    """One class the app can name: a bundled character or a figure the user taught."""

    id: str
    name: str
    franchise: str = ""
    query: str = ""  # shop search query; derived from name + franchise when empty
    taught: bool = False


@dataclass(frozen=True)
class Candidate:
    """One entry of a top-5 list."""

    character: CharacterInfo
    score: float  # probability-like confidence in [0, 1]

    @property
    def id(self) -> str:
        return self.character.id

    @property
    def name(self) -> str:
        return self.character.name

    @property
    def franchise(self) -> str:
        return self.character.franchise


@dataclass(frozen=True)
class Figurine:
    """One figurine found in a photo, with what the model thinks it is."""

    box: Box
    top: tuple[Candidate, ...]
    embedding: np.ndarray = field(repr=False, compare=False)
    decision: Decision
    origin: Origin = "detected"
    # How much the crop looks like the bundled model's training drawings, in [0, 1]; where
    # the user's figures rule, the bundled candidates' scores are already discounted by
    # it (see recognition.step_back_for_taught).
    familiarity: float = 1.0

    @property
    def best(self) -> Candidate | None:
        return self.top[0] if self.top else None

    @property
    def unfamiliar(self) -> bool:
        """Unlike anything the bundled classes were trained on (so they were not trusted)."""
        return self.familiarity < 0.5


@dataclass(frozen=True)
class PhotoResult:
    """Everything found in one photo."""

    path: str | None  # None for pasted or camera images
    width: int
    height: int
    figurines: tuple[Figurine, ...]
