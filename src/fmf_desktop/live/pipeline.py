"""Live recognition, decoupled from the preview.

Two threads:

- **capture** reads frames from the `FrameSource` at the source's pace, hands each one to
  `on_frame` (the preview) and drops it into a one-frame `LatestFrameSlot`;
- **recognition** takes whatever frame is newest in the slot, locates figurines, updates
  the `Tracker`, classifies only the tracks that need it, and reports a `LiveUpdate`.

Frames that arrive while recognition is busy replace each other in the slot: they are
dropped, never queued, so the labels always describe (nearly) what the preview shows and
the preview never waits for the model.  A camera that disconnects is retried every
`retry_interval` seconds until it comes back or the pipeline is stopped.

Callbacks run on the pipeline's threads; the Qt layer turns them into queued signals.
Nothing here imports Qt.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import cv2
import numpy as np

from fmf_desktop.live.sources import Frame, FrameSource, SourceDisconnected, SourceError
from fmf_desktop.live.tracker import Tracker, TrackerConfig, TrackView
from fmf_desktop.results import Box, Candidate, CharacterInfo, Decision

_log = logging.getLogger(__name__)

State = Literal["opening", "live", "disconnected", "ended", "error", "stopped"]


@dataclass(frozen=True)
class LiveStatus:
    """Where the stream stands; `kind` is the `SourceError.kind` for errors."""

    state: State
    message: str = ""
    kind: str = ""


@dataclass(frozen=True)
class LiveFigurine:
    """One tracked figurine at one recognition update (box in frame pixels)."""

    track: int
    box: Box
    character: CharacterInfo | None  # None until its first classification finished
    score: float
    decision: Decision
    top: tuple[Candidate, ...]
    vx: float  # px/s, lets the preview move the box with the picture between updates
    vy: float
    label_changes: int

    @property
    def name(self) -> str | None:
        return self.character.name if self.character else None

    def to_json(self, t: float) -> dict[str, Any]:
        return {
            "t": round(t, 3),
            "track": self.track,
            "box": self.box.as_list(),
            "id": self.character.id if self.character else None,
            "name": self.name,
            "score": round(self.score, 4),
            "decision": self.decision,
        }


@dataclass(frozen=True)
class LiveUpdate:
    """The result of one recognition pass over one frame."""

    frame_index: int
    t: float  # seconds into the stream of the frame that was recognised
    captured: float  # time.monotonic() when that frame left the source
    finished: float  # time.monotonic() when this update was ready
    width: int
    height: int
    figurines: tuple[LiveFigurine, ...]
    classified: int  # crops sent to the classifier in this pass
    dropped: int  # frames that arrived since the previous pass and were skipped
    locate_s: float = 0.0  # time spent locating / classifying in this pass
    classify_s: float = 0.0

    @property
    def latency(self) -> float:
        return self.finished - self.captured


class LiveEngine(Protocol):
    """What live recognition needs from the model side (see `engine_from_recognizer`)."""

    classes: Sequence[CharacterInfo]
    unsure_threshold: float

    def locate(self, rgb: np.ndarray) -> list[Box]: ...

    def crop(self, rgb: np.ndarray, box: Box) -> np.ndarray: ...

    def classify(self, crops: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]: ...


def square_crop(rgb: np.ndarray, box: Box, margin: float = 0.15) -> np.ndarray:
    """A square crop around `box` grown by `margin`, clamped to the frame."""
    h, w = rgb.shape[:2]
    side = max(box.w, box.h) * (1 + 2 * margin)
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    x0, y0 = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
    x1, y1 = int(min(w, cx + side / 2)), int(min(h, cy + side / 2))
    if x1 <= x0 or y1 <= y0:
        return rgb[0:1, 0:1]
    return rgb[y0:y1, x0:x1]


class LatestFrameSlot:
    """Holds only the newest frame.  `put` replaces; `take_newer` waits for a frame newer
    than the one the caller saw last and reports how many were skipped in between."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._closed = False

    def put(self, frame: Frame) -> None:
        with self._cond:
            self._frame = frame
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def latest(self) -> Frame | None:
        with self._cond:
            return self._frame

    def take_newer(self, seen: int, timeout: float | None = None) -> Frame | None:
        """The newest frame with index > `seen`; `None` if closed (and nothing newer) or
        on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._frame is None or self._frame.index <= seen:
                if self._closed:
                    return None
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return self._frame


def _nothing(*_: object) -> None:
    return None


class LivePipeline:
    """Capture + recognition threads around one source.  Start once, stop once."""

    def __init__(
        self,
        source: FrameSource,
        engine: LiveEngine | None,
        *,
        on_frame: Callable[[Frame], None] = _nothing,
        on_update: Callable[[LiveUpdate], None] = _nothing,
        on_status: Callable[[LiveStatus], None] = _nothing,
        tracker_config: TrackerConfig | None = None,
        detect_max_side: int | None = None,
        retry_interval: float = 1.0,
    ) -> None:
        self.source = source
        self.on_frame = on_frame
        self.on_update = on_update
        self.on_status = on_status
        self._tracker_config = tracker_config
        self.tracker = Tracker(tracker_config)
        # Optional downscale before locating, for engines whose locator works at full
        # resolution (the app's own locator already scans a 640-px copy).
        self.detect_max_side = detect_max_side
        self.retry_interval = retry_interval
        self._slot = LatestFrameSlot()
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._pause_ack = threading.Event()
        self._reset_tracks = threading.Event()
        self._threads: list[threading.Thread] = []
        self._final_status = LiveStatus("stopped")
        self._final_status_override: LiveStatus | None = None
        self._opening = threading.Event()  # the capture thread is in `source.open()`
        self.frames_read = 0
        self.updates = 0
        self.engine: LiveEngine | None = None
        self.set_engine(engine)

    # -- control -----------------------------------------------------------------------
    def start(self) -> None:
        if self._threads:
            raise RuntimeError("pipeline already started")
        cap = threading.Thread(target=self._capture_loop, name="fmf-live-capture", daemon=True)
        rec = threading.Thread(target=self._recognition_loop, name="fmf-live-recognition",
                               daemon=True)
        self._threads = [cap, rec]
        # Before the thread runs, not by it: a `stop()` right after `start()` must already
        # know not to wait for an `open()` that may hang.
        self._opening.set()
        cap.start()
        rec.start()

    def set_engine(self, engine: LiveEngine | None) -> None:
        """Start (or stop) naming figurines; until then the preview runs without labels
        (the window shows the camera while the model is still loading)."""
        if engine is not None and self._tracker_config is None:
            self.tracker.config = TrackerConfig(unsure_threshold=engine.unsure_threshold)
        self.engine = engine
        self._reset_tracks.set()

    def pause(self) -> None:
        """Stop reading frames (freeze) without releasing the source.  A frame being read
        when this is called is still delivered; `wait_paused` waits for that."""
        self._paused.set()

    def wait_paused(self, timeout: float | None = None) -> bool:
        """True once the capture thread has stopped reading (after `pause`)."""
        return self._pause_ack.wait(timeout)

    def resume(self) -> None:
        self._pause_ack.clear()
        self._paused.clear()

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop both threads and release the source.  With a timeout (default) the device
        is free when this returns (unless it is still being opened: then it is closed as
        soon as its `open()` returns); `timeout=None` only asks them to stop (for the GUI
        thread, which must not wait) and `on_status` reports "stopped" once released."""
        self._stop.set()
        self._paused.clear()
        self._slot.close()
        if timeout is not None and self._opening.is_set():
            # A driver hanging in open() (a camera behind a flaky USB hub) holds nothing we
            # could release; the capture thread closes the source itself once open()
            # returns. Waiting for it would only delay quitting.
            timeout = min(timeout, 0.2)
        if timeout is not None:
            self.wait(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until both threads ended (end of file, error or `stop`)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for t in self._threads:
            if t is threading.current_thread():
                continue  # stop() called from a callback on our own thread
            t.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads
                       if t is not threading.current_thread())

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    @property
    def latest_frame(self) -> Frame | None:
        return self._slot.latest

    # -- capture thread ----------------------------------------------------------------
    def _capture_loop(self) -> None:
        src = self.source
        final = LiveStatus("stopped")
        try:
            self.on_status(LiveStatus("opening", f"Opening {src.name}…"))
            try:
                src.open()
            except SourceError as exc:
                final = LiveStatus("error", str(exc), exc.kind)
                return
            except Exception as exc:  # a driver/OpenCV bug must not end in silence
                final = self._unexpected(exc, "could not be opened")
                return
            finally:
                self._opening.clear()
            if self._stop.is_set():
                return  # stopped while opening: it never went live
            self.on_status(LiveStatus("live", src.name))
            while not self._stop.is_set():
                if self._paused.is_set():
                    self._pause_ack.set()
                    self._stop.wait(0.05)
                    continue
                try:
                    frame = src.read()
                except SourceDisconnected as exc:
                    if not self._recover(str(exc)):
                        return
                    continue
                except SourceError as exc:
                    final = LiveStatus("error", str(exc), exc.kind)
                    return
                except Exception as exc:  # a driver/OpenCV bug must not end in silence
                    final = self._unexpected(exc, "stopped unexpectedly")
                    return
                if frame is None:
                    final = LiveStatus("ended", f"End of {src.name}")
                    return
                self.frames_read += 1
                self._slot.put(frame)
                self.on_frame(frame)
        finally:
            src.close()
            self._final_status = final
            self._slot.close()

    def _unexpected(self, exc: Exception, what: str) -> LiveStatus:
        """An error the source did not anticipate: keep the traceback for a bug report
        (stderr), and give the user a message without Python's class names."""
        _log.error("%s %s", self.source.name, what, exc_info=exc)
        detail = str(exc).strip() or "no details"
        return LiveStatus("error", f"{self.source.name} {what} ({detail}).", "failed")

    def _recover(self, message: str) -> bool:
        """Retry a disconnected camera until it is back (True) or we are stopped."""
        self.on_status(LiveStatus(
            "disconnected", f"{message}. Reconnect it; retrying every "
            f"{self.retry_interval:g} s…", "disconnected"))
        while not self._stop.wait(self.retry_interval):
            try:
                self.source.reopen()
            except SourceError:
                continue
            # Positions from before the gap mean nothing now.
            self._reset_tracks.set()
            self.on_status(LiveStatus("live", f"{self.source.name} is back"))
            return True
        return False

    # -- recognition thread ------------------------------------------------------------
    def _recognition_loop(self) -> None:
        seen = -1
        try:
            while True:
                frame = self._slot.take_newer(seen)
                if frame is None or self._stop.is_set():
                    break
                dropped = frame.index - seen - 1  # frames replaced before we got to them
                seen = frame.index
                if self.engine is None:
                    continue  # model not loaded yet: preview only
                try:
                    update = self.recognize(frame, dropped)
                except Exception as exc:  # a model failure must not leave a silent stream
                    _log.error("recognition failed", exc_info=exc)
                    self._final_status_override = LiveStatus(
                        "error", f"Recognition failed: {exc}", "recognition")
                    self._stop.set()
                    break
                self.updates += 1
                self.on_update(update)
        finally:
            # Report how the stream ended only after the last update went out, so a
            # consumer that stops on "ended" has seen every update.
            for t in self._threads:
                if t is not threading.current_thread():
                    t.join()
            self.on_status(self._final_status_override or self._final_status)

    def _locate(self, engine: LiveEngine, rgb: np.ndarray) -> list[Box]:
        h, w = rgb.shape[:2]
        scale = 1.0 if not self.detect_max_side else min(1.0, self.detect_max_side / max(h, w))
        if scale >= 1.0:
            return engine.locate(rgb)
        small = cv2.resize(rgb, (round(w * scale), round(h * scale)),
                           interpolation=cv2.INTER_AREA)
        inv = 1.0 / scale
        return [Box(round(b.x * inv), round(b.y * inv), round(b.w * inv), round(b.h * inv))
                for b in engine.locate(small)]

    def recognize(self, frame: Frame, dropped: int = 0) -> LiveUpdate:
        """One recognition pass (public so tests and benchmarks can drive it directly)."""
        engine = self.engine
        if engine is None:
            raise RuntimeError("no recognition engine set")
        if self._reset_tracks.is_set():
            self._reset_tracks.clear()
            self.tracker.reset()
        t0 = time.monotonic()
        boxes = self._locate(engine, frame.rgb)
        t1 = time.monotonic()
        self.tracker.update(boxes, frame.t)
        todo = self.tracker.needs_classification()
        if todo:
            crops = [engine.crop(frame.rgb, tr.box) for tr in todo]
            for tr, (probs, emb) in zip(todo, engine.classify(crops), strict=True):
                self.tracker.apply_scores(tr.id, probs, emb)
        t2 = time.monotonic()
        figs = tuple(self._view(engine, v) for v in self.tracker.visible())
        return LiveUpdate(frame.index, frame.t, frame.captured, time.monotonic(),
                          frame.width, frame.height, figs, len(todo), dropped,
                          locate_s=t1 - t0, classify_s=t2 - t1)

    @staticmethod
    def _view(engine: LiveEngine, v: TrackView) -> LiveFigurine:
        classes = engine.classes
        top = tuple(Candidate(classes[i], s) for i, s in v.top if 0 <= i < len(classes))
        char = classes[v.label] if v.label is not None and 0 <= v.label < len(classes) else None
        return LiveFigurine(v.track, v.box, char, v.score, v.decision, top, v.vx, v.vy,
                            v.label_changes)


#: Longer side of the frame copy that live mode locates figurines on.  A live update
#: has ~100 ms in all; the photo locator's 1280-px pyramid costs 200+ ms on a 1080p frame
#: on two cores, 800 px about a quarter of that.  Heads down to ~8% of the frame's width
#: are still found (the smallest window is 64 px), which a camera sweeping a shelf gives.
LIVE_WORK_SIDE = 800


class RecognizerEngine:
    """`LiveEngine` backed by the app's `Recognizer` and locator, so live mode names
    figurines like the photo pipeline does (same crops, same calibration), on a smaller
    copy of each frame for speed (`work_side`).

    Figures the user taught come from `matcher()` (the window's current taught-figure
    matcher, or None): their scores join the model's class scores, as in the photo
    pipeline's merged top-5.  Each taught figure gets a class index after the model's
    classes the first time it matches, so the list only ever grows."""

    def __init__(self, recognizer: Any, work_side: int | None = LIVE_WORK_SIDE,
                 matcher: Callable[[], Any] | None = None) -> None:
        self.recognizer = recognizer
        self._bundled: list[CharacterInfo] = list(recognizer.classes)
        self._taught: dict[str, int] = {}
        self._classes: list[CharacterInfo] = list(self._bundled)
        self._matcher = matcher
        self.unsure_threshold: float = recognizer.unsure_threshold
        self.work_side = work_side
        self._locator_kwargs: dict[str, Any] = {}
        try:
            # Load the locator's weights once, not on every frame.
            from fmf_desktop.vision import load_locator

            weights = load_locator()
            if weights is not None:
                self._locator_kwargs = {"locator": weights}
        except ImportError:
            pass

    @property
    def classes(self) -> Sequence[CharacterInfo]:
        return self._classes

    def locate(self, rgb: np.ndarray) -> list[Box]:
        from fmf_desktop.vision import locate_figurines

        h, w = rgb.shape[:2]
        scale = 1.0 if not self.work_side else min(1.0, self.work_side / max(h, w))
        if scale >= 1.0:
            return locate_figurines(rgb, **self._locator_kwargs)
        small = cv2.resize(rgb, (round(w * scale), round(h * scale)),
                           interpolation=cv2.INTER_AREA)
        inv = 1.0 / scale
        out = []
        for b in locate_figurines(small, **self._locator_kwargs):
            x, y = round(b.x * inv), round(b.y * inv)
            out.append(Box(x, y, min(w - x, round(b.w * inv)), min(h - y, round(b.h * inv))))
        return out

    def crop(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        from fmf_desktop.recognition import square_crop as photo_crop

        return photo_crop(rgb, box, self.recognizer.input_size)

    def classify(self, crops: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        results = self.recognizer.classify_crops(crops)
        matcher = self._matcher() if self._matcher is not None else None
        if matcher is None:
            return results
        out = []
        for probs, emb in results:
            taught = matcher.match(emb)
            probs = self.recognizer.bundled_scores(
                probs, emb, taught, self.unsure_threshold, matcher
            )
            for cand in taught:
                if cand.id not in self._taught:
                    self._taught[cand.id] = len(self._classes)
                    # Replace, never mutate: a reader may hold the old list.
                    self._classes = [*self._classes, cand.character]
            scores = np.zeros(len(self._classes), np.float32)
            scores[: len(probs)] = probs
            for cand in taught:
                scores[self._taught[cand.id]] = max(scores[self._taught[cand.id]], cand.score)
            out.append((scores, emb))
        return out
