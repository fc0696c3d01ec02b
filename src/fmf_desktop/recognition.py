"""Naming figurines: the bundled int8 TFLite model, top-5 lists and the known/unsure rule.

The model is loaded once per :class:`Recognizer` and shared by every call; invoking it is
serialised with a lock, so one Recognizer can serve a GUI worker pool and a camera loop.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from fmf_desktop.familiarity import FamiliarityError, FamiliarityGate
from fmf_desktop.paths import default_labels_path, default_model_path
from fmf_desktop.results import (
    Box,
    Candidate,
    CharacterInfo,
    Decision,
    Figurine,
    Origin,
    PhotoResult,
)
from fmf_desktop.vision import locate_figurines, looks_blank

TOP_K = 5
#: Longest side photos are decoded at before identifying or teaching them: locating works
#: on a small copy and crops are 224 px, while 2048 keeps a far-away head sharp and lets a
#: 12 MP JPEG decode at reduced DCT scale. The teach dialog's preview decodes at the same
#: size, so the box it shows is the one taught.
PHOTO_MAX_SIDE = 2048
#: Extra context around a head box, per side. The locator was trained to frame heads the
#: way the classifier's training crops are framed, so only a little slack is added (it
#: also helps hand-drawn boxes that are a bit tight).
CROP_MARGIN = 0.05
DEFAULT_UNSURE_THRESHOLD = 0.5
#: Beside the model: training crops' features for the "looks like the training data" gate.
FAMILIARITY_FILE = "familiarity.npz"
#: Most inference threads a Recognizer uses. Far more than any desktop has cores (more
#: threads than cores only slows the model down), and the runtime crashes the whole
#: process when asked for tens of thousands.
MAX_THREADS = 64


class ModelLoadError(RuntimeError):
    """The model or labels file is missing or unusable; the message says which and why."""


class TaughtMatcher(Protocol):
    """Figures the user taught: candidates for an embedding, scored in [0, 1] like
    probabilities (implemented by the taught-figure library)."""

    def match(self, embedding: np.ndarray) -> list[Candidate]: ...

    def generic_photos(self, dims: int) -> np.ndarray:
        """(P, dims) the leading ``dims`` embedding values of every taught photo, as unit
        rows; empty when nothing is taught."""
        ...

    def __len__(self) -> int:
        """How many taught figures the last ``match`` could name."""
        ...


def decide(top: Sequence[Candidate], threshold: float) -> Decision:
    """'known' iff the best candidate reaches the calibrated threshold."""
    return "known" if top and top[0].score >= threshold else "unsure"


def merge_candidates(
    model: Sequence[Candidate], taught: Sequence[Candidate], k: int = TOP_K
) -> tuple[Candidate, ...]:
    """Union of model and taught-figure candidates, best first, top ``k``."""
    merged = sorted([*model, *taught], key=lambda c: c.score, reverse=True)
    return tuple(merged[:k])


def names_taught_figure(figurine: Figurine) -> bool:
    """The answer is a figure the user taught, above the "not sure" threshold."""
    best = figurine.best
    return figurine.decision == "known" and best is not None and best.character.taught


def taught_match(taught: Sequence[Candidate], threshold: float) -> bool:
    return bool(taught) and taught[0].score >= threshold


def step_back_for_taught(
    probs: np.ndarray,
    in_domain_weight: float,
    taught: Sequence[Candidate],
    threshold: float,
    closer_to_taught: bool = False,
) -> np.ndarray:
    """The bundled classes' probabilities, discounted where the user's figures rule.

    On a crop that looks nothing like the drawings the bundled classes were trained on
    (``in_domain_weight`` in [0, 1], from the familiarity gate), their probabilities are
    multiplied by it, so they step back, when

    - a figure the user taught matches (reaches the "not sure" threshold): it wins; or
    - the crop is nearer the user's taught photos than any training drawing
      (``closer_to_taught``): it is a thing of the user's world, such as an untaught
      figure of the same kind, which the bundled classes know nothing about. Measured on
      LEGO (benchmarks/bench_fewshot.py): untaught figures answered "not sure" end to end
      went from about 20% to about 80%, with no change for taught ones; the code-drawn
      sample and validation drawings never trigger it.

    Otherwise they are left alone: simple anime faces (chibi figures, the code-drawn
    sample) score as unfamiliar as LEGO photos, so discounting them always would turn
    real anime figurines "not sure" (measured; see familiarity.py).
    """
    if not (taught_match(taught, threshold) or closer_to_taught):
        return probs
    return probs * np.float32(in_domain_weight)


def square_crop(rgb: np.ndarray, box: Box, size: int, margin: float = CROP_MARGIN) -> np.ndarray:
    """A size x size crop centred on ``box``, with ``margin`` context on each side.

    Parts of the square outside the photo are filled by replicating the border, so a head
    at the edge of the photo is not squashed.
    """
    h, w = rgb.shape[:2]
    side = max(box.w, box.h) * (1.0 + 2.0 * margin)
    side = max(side, 2.0)
    cx, cy = box.x + box.w / 2.0, box.y + box.h / 2.0
    x0, y0 = int(round(cx - side / 2.0)), int(round(cy - side / 2.0))
    x1, y1 = x0 + int(round(side)), y0 + int(round(side))
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if cx1 <= cx0 or cy1 <= cy0:
        raise ValueError(f"box {box.as_list()} lies outside the {w}x{h} image")
    crop = rgb[cy0:cy1, cx0:cx1]
    pad = (cy0 - y0, y1 - cy1, cx0 - x0, x1 - cx1)
    if any(pad):
        crop = cv2.copyMakeBorder(crop, *pad, cv2.BORDER_REPLICATE)
    return resize_square(crop, size)


def whole_image_crop(rgb: np.ndarray, size: int) -> np.ndarray:
    """The whole photo as one square crop, padded (not stretched) to keep proportions."""
    h, w = rgb.shape[:2]
    side = max(h, w)
    top, left = (side - h) // 2, (side - w) // 2
    padded = cv2.copyMakeBorder(
        rgb, top, side - h - top, left, side - w - left, cv2.BORDER_REPLICATE
    )
    return resize_square(padded, size)


def resize_square(crop: np.ndarray, size: int) -> np.ndarray:
    if crop.shape[0] == size and crop.shape[1] == size:
        return np.ascontiguousarray(crop)
    interp = cv2.INTER_AREA if crop.shape[0] > size else cv2.INTER_LINEAR
    return cv2.resize(np.ascontiguousarray(crop), (size, size), interpolation=interp)


class Recognizer:
    """The bundled character model plus its labels and calibration."""

    def __init__(
        self,
        model_path: Path | None = None,
        labels_path: Path | None = None,
        num_threads: int = 2,
        familiarity_path: Path | None = None,
    ) -> None:
        self.model_path = Path(model_path or default_model_path())
        self.labels_path = Path(labels_path or default_labels_path())
        self._lock = threading.Lock()
        self._load_labels()
        self._load_model(num_threads)
        self.familiarity: FamiliarityGate | None = None
        self.familiarity_error: str | None = None
        self._load_familiarity(
            Path(familiarity_path)
            if familiarity_path
            else self.model_path.with_name(FAMILIARITY_FILE)
        )

    # -- loading -----------------------------------------------------------------
    def _load_labels(self) -> None:
        try:
            doc = json.loads(self.labels_path.read_text(encoding="utf-8"))
            classes = [
                CharacterInfo(
                    id=str(c["id"]),
                    name=str(c.get("name") or c["id"]),
                    franchise=str(c.get("franchise", "")),
                    query=str(c.get("query", "")),
                )
                for c in doc["classes"]
            ]
        except FileNotFoundError as exc:
            raise ModelLoadError(f"{self.labels_path}: labels file not found") from exc
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelLoadError(f"{self.labels_path}: labels file is not valid ({exc})") from exc
        calibration = doc.get("calibration") or {}
        self._classes = classes
        self._by_id = {c.id: c for c in classes}
        self._unsure_threshold = float(
            calibration.get("unsure_threshold", DEFAULT_UNSURE_THRESHOLD)
        )
        # "temperature" is for a model calibrated after export; the trained model has its
        # temperature inside the graph ("model_temperature", recorded only), and applying
        # it again would make every answer look surer than the "not sure" rule assumes.
        self._temperature = float(calibration.get("temperature", 1.0)) or 1.0
        self.is_stand_in = bool(doc.get("stand_in", False))

    def _load_model(self, num_threads: int) -> None:
        from ai_edge_litert.interpreter import Interpreter  # heavy import; only when needed

        if not self.model_path.is_file():
            raise ModelLoadError(f"{self.model_path}: model file not found")
        try:
            self._interpreter = Interpreter(
                model_path=str(self.model_path),
                num_threads=min(max(1, int(num_threads)), MAX_THREADS),
            )
            self._runner = self._interpreter.get_signature_runner("serving_default")
            inputs = self._runner.get_input_details()
            outputs = self._runner.get_output_details()
            self._input = inputs["image"]
            self._out_probs = outputs["probabilities"]
            self._out_embed = outputs["embedding"]
        except (ValueError, KeyError, RuntimeError) as exc:
            raise ModelLoadError(
                f"{self.model_path}: not a usable model (needs signature 'serving_default' "
                f"with input 'image' and outputs 'probabilities', 'embedding'): {exc}"
            ) from exc
        shape = self._input["shape"]
        self.input_size = int(shape[1])
        num_out = int(self._out_probs["shape"][-1])
        if num_out != len(self._classes):
            raise ModelLoadError(
                f"{self.model_path} has {num_out} outputs but {self.labels_path} lists "
                f"{len(self._classes)} classes"
            )
        self.embedding_size = int(self._out_embed["shape"][-1])

    def _load_familiarity(self, path: Path) -> None:
        """Optional: without the file (e.g. a stand-in model) bundled answers are not gated."""
        if not path.is_file():
            return
        try:
            gate = FamiliarityGate.load(path)
            if gate.dims > self.embedding_size:
                raise FamiliarityError(
                    f"{path}: needs {gate.dims} embedding values, the model gives "
                    f"{self.embedding_size}"
                )
            self.familiarity = gate
        except FamiliarityError as exc:
            # Recognition still works, only less honest about unfamiliar things; say why.
            self.familiarity_error = str(exc)

    # -- properties ----------------------------------------------------------------
    @property
    def classes(self) -> list[CharacterInfo]:
        return list(self._classes)

    @property
    def unsure_threshold(self) -> float:
        """Calibrated default from labels.json; callers may pass their own per call."""
        return self._unsure_threshold

    def character(self, class_id: str) -> CharacterInfo:
        try:
            return self._by_id[class_id]
        except KeyError:
            raise KeyError(f"unknown character id {class_id!r}") from None

    # -- inference -------------------------------------------------------------------
    def _quantise(self, crop: np.ndarray) -> np.ndarray:
        dtype = self._input["dtype"]
        scale, zero = self._input["quantization"]
        x = crop.astype(np.float32)[None]
        if dtype == np.float32 or not scale:
            return x.astype(dtype)
        info = np.iinfo(dtype)
        return np.clip(np.round(x / scale + zero), info.min, info.max).astype(dtype)

    @staticmethod
    def _dequantise(arr: np.ndarray, details: dict) -> np.ndarray:
        scale, zero = details["quantization"]
        out = arr.astype(np.float32)
        if scale:
            out = (out - zero) * scale
        return out[0]

    def classify_crops(self, crops: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """(probabilities, embedding) for each crop (any size RGB uint8; resized here)."""
        results = []
        for crop in crops:
            if crop.ndim != 3 or crop.shape[2] != 3:
                raise ValueError(f"expected an HxWx3 RGB crop, got shape {crop.shape}")
            x = self._quantise(resize_square(crop, self.input_size))
            with self._lock:
                out = self._runner(image=x)
            probs = self._calibrate(self._dequantise(out["probabilities"], self._out_probs))
            emb = self._dequantise(out["embedding"], self._out_embed)
            norm = float(np.linalg.norm(emb))
            if norm > 0:
                emb = emb / norm  # the graph L2-normalises; int8 rounding breaks it slightly
            results.append((probs, emb.astype(np.float32)))
        return results

    def _calibrate(self, probs: np.ndarray) -> np.ndarray:
        probs = np.clip(probs, 0.0, None)
        if self._temperature != 1.0:
            # Temperature scaling on probabilities == softmax(log p / T).
            logp = np.log(np.maximum(probs, 1e-12)) / self._temperature
            probs = np.exp(logp - logp.max())
        total = float(probs.sum())
        return probs / total if total > 0 else probs

    def in_domain_weight(self, embedding: np.ndarray) -> float:
        """1 for crops like the bundled classes' training drawings, towards 0 otherwise."""
        if self.familiarity is None:
            return 1.0
        return self.familiarity.in_domain_weight(embedding)

    def closer_to_taught(
        self,
        embedding: np.ndarray,
        matcher: TaughtMatcher | None,
        familiarity: float | None = None,
    ) -> bool:
        """Is the crop nearer the user's taught photos than the bundled training data?"""
        if self.familiarity is None or matcher is None:
            return False
        photos = matcher.generic_photos(self.familiarity.dims)
        return self.familiarity.closer_to(embedding, photos, familiarity)

    def familiarity_and_weight(self, embedding: np.ndarray) -> tuple[float | None, float]:
        """(familiarity, in-domain weight) of a crop; (None, 1.0) without a gate."""
        if self.familiarity is None:
            return None, 1.0
        familiarity = float(self.familiarity.familiarity(embedding)[0])
        return familiarity, self.familiarity.weight(familiarity)

    def bundled_scores(
        self,
        probs: np.ndarray,
        embedding: np.ndarray,
        taught: Sequence[Candidate],
        threshold: float,
        matcher: TaughtMatcher | None = None,
        crop_familiarity: tuple[float | None, float] | None = None,
    ) -> np.ndarray:
        """The bundled classes' probabilities, stepping back for the user's figures (see
        ``step_back_for_taught``). The crop's (familiarity, weight) is computed only when
        needed, unless the caller already has it (``crop_familiarity``)."""
        matched = taught_match(taught, threshold)
        if not matched and (matcher is None or self.familiarity is None):
            return probs
        familiarity, weight = crop_familiarity or self.familiarity_and_weight(embedding)
        closer = not matched and self.closer_to_taught(embedding, matcher, familiarity)
        return step_back_for_taught(probs, weight, taught, threshold, closer)

    def top_candidates(self, probs: np.ndarray, k: int = TOP_K) -> list[Candidate]:
        order = np.argsort(-probs)[:k]
        return [Candidate(self._classes[i], float(probs[i])) for i in order]

    def identify(
        self,
        rgb: np.ndarray,
        *,
        whole_image: bool = False,
        boxes: list[Box] | None = None,
        regions: Sequence[tuple[Box, Origin]] | None = None,
        unsure_threshold: float | None = None,
        matcher: TaughtMatcher | None = None,
        path: str | None = None,
    ) -> PhotoResult:
        """Find (unless ``regions``, ``boxes`` or ``whole_image``) and name every figurine
        in ``rgb``. ``regions`` are an earlier result's boxes with their origins, named
        again the same way (e.g. after the user taught a figure); ``boxes`` are drawn by
        the user.

        When locating finds nothing, the whole photo is classified as one crop, so a tight
        close-up still gets an answer (usually an honest "unsure" for non-figurines),
        unless the photo is blank (one flat colour, ``looks_blank``): the model would
        still name something, with confidence, so there are no figurines. With taught
        figures, located boxes get a second look (``_second_look``).
        """
        h, w = rgb.shape[:2]
        threshold = self._unsure_threshold if unsure_threshold is None else unsure_threshold
        if regions is not None:
            regions = list(regions)
        elif whole_image:
            regions = [(Box(0, 0, w, h), "whole-image")]
        elif boxes is not None:
            regions = [(b, "manual") for b in boxes]
        else:
            regions = [(b, "detected") for b in locate_figurines(rgb)]
            if not regions and not looks_blank(rgb):
                regions = [(Box(0, 0, w, h), "whole-image")]
        figurines = self._name_regions(rgb, regions, threshold, matcher)
        if matcher is not None:
            figurines = self._second_look(rgb, figurines, threshold, matcher)
        return PhotoResult(path=path, width=w, height=h, figurines=figurines)

    def _second_look(
        self,
        rgb: np.ndarray,
        figurines: tuple[Figurine, ...],
        threshold: float,
        matcher: TaughtMatcher,
    ) -> tuple[Figurine, ...]:
        """The whole photo as one figure instead of the located boxes, when it is a taught
        figure the boxes missed. Boxes the user drew, or a whole photo already, stand.

        The locator looks for anime faces. On a close-up of another kind of figure it boxes
        a hand or a helmet, which matches nothing taught (or gets a bundled name), while the
        user taught that figure from photos like this one. So when no box is a taught
        figure, the whole photo gets one more look (one more inference), and wins only if
        it is one. Measured through the app on the LEGO photos (benchmarks/bench_fewshot.py:
        5 figures taught from 5 photos each, 3 held out): taught figures named right went
        from 47% to 61% when taught from located boxes and from 42% to 86% when taught as
        whole photos, while photos also given a wrong "known" name fell from 21% to 12%
        and from 42% to 9%; untaught figures answered "not sure" went from 69% to 68% and
        from 62% to 57%.
        """
        if (
            not figurines
            or any(f.origin != "detected" for f in figurines)
            or len(matcher) == 0
            or any(map(names_taught_figure, figurines))
        ):
            return figurines
        h, w = rgb.shape[:2]
        whole = self._name_regions(rgb, [(Box(0, 0, w, h), "whole-image")], threshold, matcher)
        return whole if names_taught_figure(whole[0]) else figurines

    def _name_regions(
        self,
        rgb: np.ndarray,
        regions: Sequence[tuple[Box, Origin]],
        threshold: float,
        matcher: TaughtMatcher | None,
    ) -> tuple[Figurine, ...]:
        crops = [
            whole_image_crop(rgb, self.input_size)
            if origin == "whole-image"
            else square_crop(rgb, box, self.input_size)
            for box, origin in regions
        ]
        figurines = []
        for (box, origin), (probs, emb) in zip(regions, self.classify_crops(crops), strict=True):
            taught = matcher.match(emb) if matcher is not None else []
            # The weight is shown with the result, so always needed.
            familiarity, weight = self.familiarity_and_weight(emb)
            bundled = self.top_candidates(
                self.bundled_scores(probs, emb, taught, threshold, matcher, (familiarity, weight))
            )
            top = merge_candidates(bundled, taught)
            figurines.append(
                Figurine(box=box, top=top, embedding=emb, decision=decide(top, threshold),
                         origin=origin, familiarity=weight)
            )
        return tuple(figurines)
