"""Glue between the recognizer and the taught-figure library (Qt-free).

Turning a photo or a result into a stored example, opening the matcher for the bundled
model, and re-embedding examples that an older model produced. Used by the CLI's
``teach``/``identify --library``, the teach/correction dialogs and the benchmark.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .library import (
    THUMBNAIL_SIZE,
    Library,
    LibraryError,
    NewExample,
    decode_thumbnail,
    make_thumbnail,
)
from .matching import LibraryMatcher, SimilarityCalibration, model_key
from .recognition import square_crop, whole_image_crop
from .results import Box, Figurine
from .vision import locate_figurines, looks_blank
from .wording import count_noun


class EmbeddingModel(Protocol):
    """What teaching needs from ``recognition.Recognizer``."""

    model_path: Path
    labels_path: Path
    input_size: int
    embedding_size: int

    def classify_crops(self, crops: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]: ...

    def identify(self, rgb: np.ndarray, **kwargs: object): ...


@dataclass(frozen=True)
class TeachCrop:
    """The part of a photo that will be taught, and how many figurines were seen."""

    rgb: np.ndarray  # square crop, THUMBNAIL_SIZE px
    box: Box
    embedding: np.ndarray
    found: int  # figurines located in the photo (0 = whole photo used)


def crop_for_box(rgb: np.ndarray, box: Box, whole_image: bool) -> np.ndarray:
    """The same framing the recognizer uses, at thumbnail size (so it can be re-embedded)."""
    if whole_image:
        return whole_image_crop(rgb, THUMBNAIL_SIZE)
    return square_crop(rgb, box, THUMBNAIL_SIZE)


class BlankPhotoError(ValueError):
    """A photo of one flat colour: there is no figurine in it to teach."""


def teach_box(rgb: np.ndarray) -> Box | None:
    """What ``teach_crop`` teaches from a photo, found without the model: the first
    located box (the figurine ``identify`` ranks first), or None for the whole photo when
    none is located. Cheap, so the teach dialog previews it while photos are added.

    Raises ``BlankPhotoError`` for a blank photo, which ``identify`` finds nothing in.
    """
    return _first_or_whole(rgb, locate_figurines(rgb))


def _first_or_whole(rgb: np.ndarray, located: list[Box]) -> Box | None:
    if located:
        return located[0]
    if looks_blank(rgb):
        raise BlankPhotoError("the photo is blank (one flat colour): no figurine to teach")
    return None


def teach_crop(model: EmbeddingModel, rgb: np.ndarray, *, whole_image: bool = False) -> TeachCrop:
    """Pick what to teach from a photo (``teach_box``: the top-ranked figurine, else the
    whole photo) and embed it, framed as ``identify`` frames it; one inference.

    Raises ``BlankPhotoError`` for a blank photo, unless the whole photo is asked for.
    """
    whole = Box(0, 0, rgb.shape[1], rgb.shape[0])
    if whole_image:
        crop = crop_for_box(rgb, whole, True)
        (_, emb), = model.classify_crops([crop])
        return TeachCrop(crop, whole, emb, 0)
    located = locate_figurines(rgb)
    box = _first_or_whole(rgb, located)
    if box is None:
        (_, emb), = model.classify_crops([whole_image_crop(rgb, model.input_size)])
        return TeachCrop(crop_for_box(rgb, whole, True), whole, emb, 0)
    (_, emb), = model.classify_crops([square_crop(rgb, box, model.input_size)])
    return TeachCrop(crop_for_box(rgb, box, False), box, emb, len(located))


def example_from_crop(crop: TeachCrop, source: str) -> NewExample:
    return NewExample(crop.embedding, make_thumbnail(crop.rgb), source)


def example_from_figurine(rgb: np.ndarray, figurine: Figurine, source: str) -> NewExample:
    """A result's crop as an example (the correction flow): no second inference needed."""
    crop = crop_for_box(rgb, figurine.box, figurine.origin == "whole-image")
    return NewExample(figurine.embedding, make_thumbnail(crop), source)


# The extra view of every taught photo: its centre, zoomed in (a tighter framing, as
# another photo or the locator might give). Matching learns from the difference between
# a photo and its view how a figure's pictures vary, even from a single photo
# (whitening.py). On LEGO (benchmarks/bench_fewshot.py) a 70% zoom, +-10 degree turns or
# top/bottom crops instead gave the same gain within a point; one view keeps teaching
# near 50 ms a photo.
VIEW_ZOOM = 0.85


def extra_views(crop: np.ndarray) -> list[np.ndarray]:
    """Crops to embed as extra views of a taught crop (square RGB, any size)."""
    side = crop.shape[0]
    inner = max(1, round(side * VIEW_ZOOM))
    top = (side - inner) // 2
    left = (crop.shape[1] - inner) // 2
    return [np.ascontiguousarray(crop[top : top + inner, left : left + inner])]


def view_embeddings(model: EmbeddingModel, crop: np.ndarray) -> np.ndarray:
    """(V, D) embeddings of ``extra_views(crop)``."""
    return np.stack([emb for _, emb in model.classify_crops(extra_views(crop))])


def _decoded_thumbnails(
    rows: list[tuple[int, bytes]],
) -> Iterator[tuple[int, np.ndarray | None]]:
    """(example id, RGB crop or None when the thumbnail can't be decoded) for each row."""
    for example_id, thumb in rows:
        try:
            yield example_id, decode_thumbnail(thumb)
        except Exception:  # noqa: BLE001 - any undecodable blob: the caller decides
            yield example_id, None


def add_missing_views(library: Library, model: EmbeddingModel, key: str | None = None) -> int:
    """Compute the extra views of examples that lack them, from their thumbnails (new
    examples, imported ones without views); returns how many.

    Views only sharpen matching, so a library that can't be written (read-only, full
    disk) just goes on without them, and an unreadable thumbnail is marked as having
    none instead of being retried on every rebuild.
    """
    if library.read_only:
        return 0  # they could not be saved; no point running the model for them
    key = key or current_model_key(model)
    try:
        missing = library.examples_without_views(key)
    except LibraryError:
        return 0
    updates = [
        (example_id, np.zeros((0, 0), np.float32) if crop is None
         else view_embeddings(model, crop))
        for example_id, crop in _decoded_thumbnails(missing)
    ]
    if updates:
        with contextlib.suppress(LibraryError):
            library.set_views(updates)
    return len(updates)


def current_model_key(model: EmbeddingModel) -> str:
    return model_key(model.model_path)


def calibration_for(model: EmbeddingModel) -> SimilarityCalibration:
    try:
        labels = json.loads(Path(model.labels_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return SimilarityCalibration()
    return SimilarityCalibration.from_labels(labels)


def reembed_stale(library: Library, model: EmbeddingModel, key: str | None = None) -> int:
    """Re-embed examples made by another model from their thumbnails, with their extra
    views (one inference batch per thumbnail); returns how many.

    Without this, replacing the bundled model would silently make every taught figure
    unmatchable. Unreadable thumbnails are skipped (those examples stay inactive), and a
    read-only library is left as it is (nothing could be saved; see
    ``outdated_read_only_warning``).
    """
    if library.read_only:
        return 0
    key = key or current_model_key(model)
    embeddings: list[tuple[int, np.ndarray]] = []
    views: list[tuple[int, np.ndarray]] = []
    for example_id, crop in _decoded_thumbnails(library.stale_examples(key)):
        if crop is None:
            continue  # stays stale
        (_, emb), *extra = model.classify_crops([crop, *extra_views(crop)])
        embeddings.append((example_id, emb))
        views.append((example_id, np.stack([e for _, e in extra])))
    if embeddings:
        library.set_embeddings(embeddings, key)  # clears the old model's views...
        library.set_views(views)  # ...and these replace them
    return len(embeddings)


def outdated_read_only_warning(library: Library, key: str) -> str | None:
    """Why some taught figures are not matched, when a read-only library holds photos
    that another model embedded: they cannot be re-embedded (nothing could be saved).

    Saying so rather than re-embedding them in memory for this session: the matcher reads
    its table from the library on every rebuild, and a read-only library is rare.
    """
    if not library.read_only:
        return None
    try:
        outdated = library.stale_example_count(key)
    except LibraryError:
        return None
    if not outdated:
        return None
    return (
        f"taught figures were made by an older model ({count_noun(outdated, 'photo')}) "
        "and this library is read-only: make its folder writable to update them"
    )


def open_matcher(library: Library, model: EmbeddingModel) -> LibraryMatcher:
    """A matcher for ``model`` over ``library``, after bringing old examples up to date.

    ``last_error`` says when a read-only library leaves some of them out of date.
    """
    key = current_model_key(model)
    # A read-only library still matches with what is already embedded for this model.
    with contextlib.suppress(LibraryError):
        reembed_stale(library, model, key)
    matcher = LibraryMatcher(
        library,
        key,
        model.embedding_size,
        calibration_for(model),
        before_rebuild=lambda lib: add_missing_views(lib, model, key),
    )
    matcher.index()  # build it here, off the GUI thread (about 1 s for 1,000 figures)
    if matcher.last_error is None:
        matcher.last_error = outdated_read_only_warning(library, key)
    return matcher
