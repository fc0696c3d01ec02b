"""Follow figurines across frames and keep their names steady.

Each recognition update brings fresh boxes from the locator.  The tracker

1. matches them to existing tracks (IoU against each track's *predicted* box, falling back
   to centre distance, so a camera panning along a shelf keeps the same track ids);
2. picks which tracks need the classifier this update: new tracks first, then tracks whose
   box changed size a lot (the crop looks different), then tracks not classified for
   `reclassify_every` updates.  At most `max_crops_per_update` crops are classified per
   update, so the update rate stays high with many figurines in view (one crop costs
   ~20 ms on two cores; classifying five every update would cap us at ~8 updates/s);
3. smooths each track's class scores with an exponential moving average and changes the
   displayed name only when another class beats it by `switch_margin` on
   `switch_confirmations` consecutive classifications (hysteresis), so names do not
   flicker between two close candidates.

Plain Python + numpy; no Qt, no model: the pipeline feeds it boxes and probabilities.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from fmf_desktop.results import Box, Decision


@dataclass(frozen=True)
class TrackerConfig:
    #: Minimum IoU between a detection and a track's predicted box to match them.
    match_iou: float = 0.2
    #: Fallback match: centre distance below this fraction of the track's box diagonal.
    match_center_dist: float = 0.5
    #: A track whose box lies this much inside another track's box is a duplicate.
    duplicate_overlap: float = 0.6
    #: A detection nested in a track's box (or around it) matches it up to this ratio of
    #: sides (a face box inside a head-and-shoulders box).
    max_nested_scale: float = 4.0
    #: Drop a track after this many updates without a matching detection.
    max_missed: int = 4
    #: Keep drawing a track for this many missed updates (hides one-off locator misses).
    show_missed: int = 1
    #: Weight of a new classification in the moving average of class scores, once a track
    #: has had 1/ema_alpha looks (before that, all its looks count the same).  A locator
    #: that alternates between a face box and a head-and-shoulders box gets different
    #: crops, and the classifier can be sure of a different name on each: a short memory
    #: made the name flip with the box (54 changes in 300 updates on one figurine).
    ema_alpha: float = 0.25
    #: Re-classify a track in view after this many updates even if nothing changed.
    reclassify_every: int = 8
    #: ... or when its box grew/shrank by more than this factor since it was classified.
    reclassify_scale: float = 1.4
    #: Classifier budget per update for *re*-classifications.  New tracks are always
    #: classified at once (up to `max_new_per_update`) so a figurine entering the view
    #: gets its name on the next update, and re-classification only uses what is left.
    max_crops_per_update: int = 2
    max_new_per_update: int = 8
    #: Another class must beat the shown one by this much (smoothed score) ...
    switch_margin: float = 0.08
    #: ... on this many consecutive classifications before the name changes.
    switch_confirmations: int = 3
    #: Below this smoothed score the decision is "unsure" ...
    unsure_threshold: float = 0.5
    #: ... and it goes back to "known" only above threshold + this (decision hysteresis).
    decision_hysteresis: float = 0.1
    #: ... and either change needs this many consecutive classifications that agree.
    decision_confirmations: int = 2
    #: Weight of the latest motion in the velocity estimate used for prediction.
    velocity_alpha: float = 0.5


@dataclass
class Track:
    """Internal, mutable state of one followed figurine."""

    id: int
    box: Box
    first_t: float
    last_t: float
    vx: float = 0.0  # px/s of the box centre, for predicting where it is next update
    vy: float = 0.0
    hits: int = 1
    missed: int = 0
    scores: np.ndarray | None = None  # smoothed class probabilities
    embedding: np.ndarray | None = None
    label: int | None = None  # index of the class we show
    decision: Decision = "unsure"
    classified_box: Box | None = None
    updates_since_classified: int = 0
    classifications: int = 0
    label_changes: int = 0  # times the shown class changed after the first one
    _challenger: int | None = field(default=None, repr=False)
    _challenger_count: int = field(default=0, repr=False)
    _decision_count: int = field(default=0, repr=False)

    def predicted(self, t: float) -> Box:
        dt = max(0.0, t - self.last_t)
        return Box(round(self.box.x + self.vx * dt), round(self.box.y + self.vy * dt),
                   self.box.w, self.box.h)

    @property
    def label_score(self) -> float:
        if self.scores is None or self.label is None:
            return 0.0
        return float(self.scores[self.label])


@dataclass(frozen=True)
class TrackView:
    """What the UI/CLI shows for one track at one update."""

    track: int
    box: Box
    label: int | None  # class index, None until first classified
    score: float
    decision: Decision
    vx: float
    vy: float
    classifications: int
    label_changes: int
    top: tuple[tuple[int, float], ...]  # (class index, smoothed score), best first


def _contained(a: Box, b: Box) -> float:
    """Share of the smaller box's area that lies inside the other box."""
    ix = max(0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))
    iy = max(0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    smaller = min(a.area, b.area)
    return ix * iy / smaller if smaller > 0 else 0.0


def _center(b: Box) -> tuple[float, float]:
    return b.x + b.w / 2.0, b.y + b.h / 2.0


class Tracker:
    """IoU/centroid tracker with smoothed, hysteretic class decisions."""

    def __init__(self, config: TrackerConfig | None = None) -> None:
        self.config = config or TrackerConfig()
        self._tracks: dict[int, Track] = {}
        self._next_id = 1

    @property
    def tracks(self) -> list[Track]:
        return list(self._tracks.values())

    def reset(self) -> None:
        """Forget everything (new source, or the camera came back after a disconnect)."""
        self._tracks.clear()

    # -- association -------------------------------------------------------------------
    def update(self, boxes: Sequence[Box], t: float) -> list[Track]:
        """Match this update's detections to tracks; returns tracks matched or created."""
        cfg = self.config
        tracks = list(self._tracks.values())
        pairs: list[tuple[float, int, int]] = []
        for ti, tr in enumerate(tracks):
            # Compare with where the track should be now *and* where it was: the motion
            # estimate can be thrown off by a locator box that jumped in size.
            refs = (tr.predicted(t), tr.box)
            for di, b in enumerate(boxes):
                best: float | None = None
                for ref in refs:
                    iou = ref.iou(b)
                    rcx, rcy = _center(ref)
                    cx, cy = _center(b)
                    # Relative to the larger of the two boxes: a small face box and a
                    # large head box of one figurine have centres far apart in units of
                    # the small box.
                    diag = max(math.hypot(ref.w, ref.h), math.hypot(b.w, b.h), 1.0)
                    dist = math.hypot(cx - rcx, cy - rcy) / diag
                    scale = max(b.area, 1) / max(ref.area, 1)
                    scale = max(scale, 1 / scale)
                    # Locators grow and shrink a head box from frame to frame (face only,
                    # head with hair, head and shoulders: 64 to 191 px on one 122-px
                    # face): a box centred on the track, or one nested in the other,
                    # still matches. IoU alone would start a new track at each jump.
                    nested = _contained(ref, b) >= cfg.duplicate_overlap
                    if iou >= cfg.match_iou or (
                            dist <= cfg.match_center_dist
                            and scale <= (cfg.max_nested_scale ** 2 if nested else 4.0)):
                        # IoU dominates; distance breaks ties between close candidates.
                        score = iou - 0.1 * dist
                        best = score if best is None else max(best, score)
                if best is not None:
                    pairs.append((best, ti, di))
        pairs.sort(reverse=True)
        used_t: set[int] = set()
        used_d: set[int] = set()
        touched: list[Track] = []
        for _, ti, di in pairs:
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            tr = tracks[ti]
            self._move(tr, boxes[di], t)
            touched.append(tr)
        for ti, tr in enumerate(tracks):
            if ti not in used_t:
                tr.missed += 1
                tr.updates_since_classified += 1
                if tr.missed > cfg.max_missed:
                    del self._tracks[tr.id]
        matched = [tracks[ti] for ti in used_t]
        for di, b in enumerate(boxes):
            if di not in used_d:
                if any(self._same_place(m.box, b) for m in matched):
                    # A second box on a figurine that already has one this update (the
                    # face and the hair boxed separately): not a new figurine.
                    continue
                tr = Track(id=self._next_id, box=b, first_t=t, last_t=t)
                self._next_id += 1
                self._tracks[tr.id] = tr
                touched.append(tr)
        self._drop_duplicates()
        return [tr for tr in touched if tr.id in self._tracks]

    def _same_place(self, a: Box, b: Box) -> bool:
        """`b` overlaps `a` or is centred near it, relative to the larger box."""
        if a.iou(b) >= self.config.match_iou:
            return True
        (ax, ay), (bx, by) = _center(a), _center(b)
        diag = max(math.hypot(a.w, a.h), math.hypot(b.w, b.h), 1.0)
        return math.hypot(ax - bx, ay - by) / diag <= self.config.match_center_dist

    def _drop_duplicates(self) -> None:
        """One figurine, one track.  A locator may box the same head twice (the face, and
        the head with hair) or alternate between the two from frame to frame; a box
        mostly inside another track's box is the same figurine.  Tracks seen in this
        update beat coasting ones, and older tracks beat newer ones."""
        limit = self.config.duplicate_overlap
        order = sorted(self._tracks.values(), key=lambda tr: (tr.missed > 0, -tr.hits, tr.id))
        kept: list[Track] = []
        for tr in order:
            if any(_contained(tr.box, k.box) > limit for k in kept):
                del self._tracks[tr.id]
            else:
                kept.append(tr)

    def _move(self, tr: Track, b: Box, t: float) -> None:
        dt = t - tr.last_t
        if dt > 1e-6:
            (ox, oy), (nx, ny) = _center(tr.box), _center(b)
            a = self.config.velocity_alpha
            size_jump = max(b.w, tr.box.w) / max(1, min(b.w, tr.box.w)) > 1.3
            if size_jump:
                # The box changed size, so its centre moved for that reason too: it says
                # little about motion. Let the old estimate fade instead.
                tr.vx *= 1 - a
                tr.vy *= 1 - a
            else:
                tr.vx = (1 - a) * tr.vx + a * (nx - ox) / dt
                tr.vy = (1 - a) * tr.vy + a * (ny - oy) / dt
        tr.box = b
        tr.last_t = t
        tr.hits += 1
        tr.missed = 0
        tr.updates_since_classified += 1

    # -- classification scheduling ------------------------------------------------------
    def needs_classification(self) -> list[Track]:
        """Tracks to classify this update, most urgent first, within the crop budget."""
        cfg = self.config
        urgent: list[tuple[int, float, Track]] = []
        for tr in self._tracks.values():
            if tr.missed:
                continue  # no fresh box to crop
            if tr.scores is None:
                urgent.append((0, -tr.first_t, tr))
                continue
            cb = tr.classified_box or tr.box
            scale = max(tr.box.area, 1) / max(cb.area, 1)
            scale = max(scale, 1 / scale)
            if math.sqrt(scale) >= cfg.reclassify_scale:
                urgent.append((1, -tr.updates_since_classified, tr))
            elif tr.updates_since_classified >= cfg.reclassify_every:
                urgent.append((2, -tr.updates_since_classified, tr))
        urgent.sort(key=lambda u: (u[0], u[1]))
        new = [u[2] for u in urgent if u[0] == 0][: cfg.max_new_per_update]
        budget = max(0, cfg.max_crops_per_update - len(new))
        return new + [u[2] for u in urgent if u[0] != 0][:budget]

    def apply_scores(self, track_id: int, probs: np.ndarray,
                     embedding: np.ndarray | None = None) -> None:
        """Fold one classification of a track into its smoothed scores and decision."""
        tr = self._tracks.get(track_id)
        if tr is None:
            return
        cfg = self.config
        p = np.asarray(probs, dtype=np.float32).ravel()
        if tr.scores is not None and len(p) > len(tr.scores):
            # New classes appeared (a figure the user just taught): they start at zero.
            tr.scores = np.pad(tr.scores, (0, len(p) - len(tr.scores)))
        elif tr.scores is not None and len(p) < len(tr.scores):
            p = np.pad(p, (0, len(tr.scores) - len(p)))
        if tr.scores is None:
            tr.scores = p.copy()
        else:
            # The plain mean of the first looks (each counts the same: the second look is
            # as good evidence as the first), then a moving average that forgets slowly.
            alpha = max(cfg.ema_alpha, 1.0 / (tr.classifications + 1))
            tr.scores = (1 - alpha) * tr.scores + alpha * p
        if embedding is not None:
            tr.embedding = np.asarray(embedding, dtype=np.float32).ravel()
        tr.classified_box = tr.box
        tr.updates_since_classified = 0
        tr.classifications += 1
        self._decide(tr)

    def _decide(self, tr: Track) -> None:
        cfg = self.config
        assert tr.scores is not None
        best = int(np.argmax(tr.scores))
        switched = tr.label is None
        if tr.label is None:
            tr.label = best
        elif best != tr.label:
            if tr.scores[best] - tr.scores[tr.label] >= cfg.switch_margin:
                if tr._challenger == best:
                    tr._challenger_count += 1
                else:
                    tr._challenger, tr._challenger_count = best, 1
                if tr._challenger_count >= cfg.switch_confirmations:
                    tr.label = best
                    tr.label_changes += 1
                    switched = True
                    tr._challenger, tr._challenger_count = None, 0
            else:
                tr._challenger, tr._challenger_count = None, 0
        else:
            tr._challenger, tr._challenger_count = None, 0
        score = tr.label_score
        if switched:
            # A name of its own: its own score says how sure we are, at once.
            wanted: Decision = "known" if score >= cfg.unsure_threshold else "unsure"
            tr.decision, tr._decision_count = wanted, 0
            return
        if tr.decision == "known":
            wanted = "unsure" if score < cfg.unsure_threshold else "known"
        else:
            wanted = ("known" if score >= cfg.unsure_threshold + cfg.decision_hysteresis
                      else "unsure")
        # Like names, the "not sure" marking changes only when looks agree in a row: a
        # score see-sawing across the threshold (two crops, two opinions) keeps it put.
        if wanted == tr.decision:
            tr._decision_count = 0
        else:
            tr._decision_count += 1
            if tr._decision_count >= cfg.decision_confirmations:
                tr.decision, tr._decision_count = wanted, 0

    # -- output ------------------------------------------------------------------------
    def visible(self, top_k: int = 5) -> list[TrackView]:
        """Tracks to draw now (matched this update, or missed only briefly)."""
        out = []
        for tr in self._tracks.values():
            if tr.missed > self.config.show_missed:
                continue
            top: tuple[tuple[int, float], ...] = ()
            if tr.scores is not None:
                order = np.argsort(-tr.scores)[:top_k]
                top = tuple((int(i), float(tr.scores[i])) for i in order)
            out.append(TrackView(track=tr.id, box=tr.box, label=tr.label,
                                 score=tr.label_score, decision=tr.decision, vx=tr.vx,
                                 vy=tr.vy, classifications=tr.classifications,
                                 label_changes=tr.label_changes, top=top))
        out.sort(key=lambda v: (v.box.x, v.box.y))
        return out
