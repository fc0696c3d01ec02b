"""The queue of photos the user opened, and the work that turns each into results.

This is the window's controller, without widgets: it owns the photo queue, loads the
model on a worker thread, decodes and identifies photos on worker threads, and tells the
window what changed through signals. Photos added before the model is ready wait in the
queue and are identified as soon as it is.

Memory stays bounded when many photos are queued: only the current photo and ones
waiting to be identified keep their pixels; others keep just their results and are
decoded again when the user goes back to them.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from PySide6.QtCore import QBuffer, QIODevice, QObject, Signal
from PySide6.QtGui import QImage

from fmf_desktop._qt.workers import JobRunner
from fmf_desktop.results import Box, PhotoResult

if TYPE_CHECKING:
    # The core imports OpenCV and Pillow (~0.3 s); workers import it on first use so the
    # window appears without waiting for them.
    from fmf_desktop.imaging import LoadedImage

ModelState = Literal["idle", "loading", "ready", "failed"]
#: A drawn box that overlaps an existing one this much replaces it instead of adding one.
REPLACE_IOU = 0.3
MAX_UNDO = 20


@dataclass(eq=False)
class PhotoItem:
    """One queued photo: where it came from, its pixels while needed, and its results."""

    id: int
    label: str  # file name, or "Pasted image 1"
    path: str | None = None
    pasted: QImage | None = None  # clipboard image, kept because it cannot be re-read
    loaded: LoadedImage | None = None
    display: QImage | None = None  # ready-to-show copy, made off the GUI thread
    result: PhotoResult | None = None
    stale: bool = False  # results predate a change (e.g. a taught figure): identify again
    error: str | None = None
    selected: int = 0
    decoding: bool = False
    identifying: bool = False
    history: list[PhotoResult] = field(default_factory=list)
    # What the identification in flight started from: the taught-figure generation it
    # used, and the result whose boxes it names again (None the first time).
    job_generation: int = 0
    job_base: PhotoResult | None = None

    @property
    def done(self) -> bool:
        return self.result is not None or self.error is not None


def qimage_from_rgb(rgb: Any) -> QImage:
    """A QImage that owns a copy of the HxWx3 uint8 array, in the fastest format to draw."""
    h, w = rgb.shape[:2]
    image = QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888)
    # convertToFormat copies, so the QImage no longer points into the numpy buffer.
    return image.convertToFormat(QImage.Format.Format_RGB32)


def _encode_pasted(image: QImage) -> bytes:
    # BMP: lossless and quick to write; load_image then treats it like any file.
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.convertToFormat(QImage.Format.Format_RGB888).save(buffer, "BMP")
    return bytes(buffer.data())


def _decode(item_path: str | None, pasted: QImage | None, label: str) -> tuple:
    from fmf_desktop.imaging import load_image

    if pasted is not None:
        loaded = load_image(_encode_pasted(pasted), name=label)
    else:
        loaded = load_image(item_path or "", name=Path(item_path or "").name or None)
    return loaded, qimage_from_rgb(loaded.rgb)


class PhotoSession(QObject):
    model_state_changed = Signal(str, str)  # state, message for the status bar
    queue_changed = Signal()  # photos added; counts changed
    current_changed = Signal(int)  # index of the photo now shown
    item_changed = Signal(int)  # index of a photo whose image/results/error changed
    progress_changed = Signal(int, int)  # photos finished, photos queued
    notice = Signal(str)  # a problem the user should read that concerns no single photo

    def __init__(
        self,
        recognizer_factory: Callable[[int], Any],
        *,
        threads: int = 2,
        unsure_threshold: float | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._factory = recognizer_factory
        self._threads = threads
        self._threshold = unsure_threshold
        self._loading_threads = threads
        self.recognizer: Any = None
        self.matcher: Any = None  # taught-figure matcher, set by the teaching feature
        # Bumped whenever taught figures change: an identification that started before
        # the change named the photo with the old figures and must run again.
        self._generation = 0
        self.model_state: ModelState = "idle"
        self.model_error = ""
        self.items: list[PhotoItem] = []
        self.current = -1
        self._ids = itertools.count(1)
        self._pasted_count = 0
        # One decoder thread bounds memory when dozens of photos are dropped at once.
        self._decoder = JobRunner(1, self)
        # The interpreter is used by one job at a time; a single thread keeps order too.
        self._model_runner = JobRunner(1, self)

    # -- model ---------------------------------------------------------------------
    def start_model_loading(self) -> None:
        if self.model_state == "loading":
            return
        self.model_state = "loading"
        self.model_state_changed.emit("loading", "Loading the recognition model…")
        threads = self._loading_threads = self._threads
        self._model_runner.submit(
            "model", lambda: self._factory(threads), self._on_model_loaded, self._on_model_failed
        )

    def _on_model_loaded(self, _key: object, recognizer: Any) -> None:
        self.recognizer = recognizer
        if self._loading_threads != self._threads:
            # The thread setting changed while loading: load again with the new value.
            self.model_state = "idle"
            self.start_model_loading()
            return
        self.model_state = "ready"
        count = len(getattr(recognizer, "classes", []) or [])
        self.model_state_changed.emit("ready", f"Model ready: knows {count} characters")
        self._pump()

    def _on_model_failed(self, _key: object, message: str) -> None:
        self.model_state = "failed"
        self.model_error = message
        self.model_state_changed.emit(
            "failed", f"The recognition model could not be loaded: {message}"
        )

    def set_threads(self, threads: int) -> None:
        """Reload the model with a new thread count (queued after running work)."""
        if threads == self._threads:
            return
        self._threads = threads
        if self.model_state in ("ready", "failed"):  # while loading: see _on_model_loaded
            self.model_state = "idle"
            self.start_model_loading()

    @property
    def unsure_threshold(self) -> float | None:
        return self._threshold

    def set_unsure_threshold(self, value: float | None) -> None:
        if value == self._threshold:
            return
        self._threshold = value
        if self.recognizer is None:
            return  # nothing identified yet; new results will use the new threshold
        from fmf_desktop.recognition import decide

        threshold = self.recognizer.unsure_threshold if value is None else value
        # Only the known/unsure decision depends on the threshold, so re-decide from the
        # stored top-5 instead of running the model again.
        for index, item in enumerate(self.items):
            if item.result is None:
                continue
            figs = tuple(
                dataclasses.replace(f, decision=decide(f.top, threshold))
                for f in item.result.figurines
            )
            item.result = dataclasses.replace(item.result, figurines=figs)
            item.history = []
            self.item_changed.emit(index)

    # -- adding photos -------------------------------------------------------------
    def add_files(self, paths: list[str]) -> int:
        """Queue photo files; returns the index of the first new one (or -1)."""
        items = [PhotoItem(next(self._ids), Path(p).name, path=str(p)) for p in paths]
        return self._add(items)

    def add_image(self, image: QImage) -> int:
        self._pasted_count += 1
        label = f"Pasted image {self._pasted_count}"
        return self._add([PhotoItem(next(self._ids), label, pasted=QImage(image))])

    def _add(self, items: list[PhotoItem]) -> int:
        if not items:
            return -1
        first = len(self.items)
        self.items.extend(items)
        self.queue_changed.emit()
        self._emit_progress()
        self.set_current(first)
        return first

    # -- navigation ----------------------------------------------------------------
    def set_current(self, index: int) -> None:
        if not 0 <= index < len(self.items):
            return
        self.current = index
        self.current_changed.emit(index)
        self._pump()
        self._evict()

    def next(self) -> None:
        self.set_current(self.current + 1)

    def previous(self) -> None:
        self.set_current(self.current - 1)

    def current_item(self) -> PhotoItem | None:
        return self.items[self.current] if 0 <= self.current < len(self.items) else None

    def index_of(self, item: PhotoItem) -> int:
        for i, other in enumerate(self.items):
            if other is item:
                return i
        return -1

    def _by_id(self, item_id: object) -> PhotoItem | None:
        return next((it for it in self.items if it.id == item_id), None)

    # -- editing boxes -------------------------------------------------------------
    def select_figurine(self, index: int) -> None:
        item = self.current_item()
        if item is not None and item.result is not None:
            item.selected = index

    def delete_figurine(self, index: int) -> bool:
        item = self.current_item()
        if item is None or item.result is None or not 0 <= index < len(item.result.figurines):
            return False
        figurines = list(item.result.figurines)
        del figurines[index]
        self._set_result(item, dataclasses.replace(item.result, figurines=tuple(figurines)))
        item.selected = min(index, len(figurines) - 1)
        self.item_changed.emit(self.current)
        return True

    def undo(self) -> bool:
        item = self.current_item()
        if item is None or not item.history:
            return False
        item.result = item.history.pop()
        item.selected = min(item.selected, len(item.result.figurines) - 1)
        self.item_changed.emit(self.current)
        return True

    def can_undo(self) -> bool:
        item = self.current_item()
        return bool(item and item.history)

    def add_manual_box(self, box: Box) -> bool:
        """Identify what is inside ``box`` and add it (replacing an overlapping box)."""
        item = self.current_item()
        if item is None or item.loaded is None or item.result is None or self.recognizer is None:
            return False  # the window says to wait until the photo has been identified
        rgb = item.loaded.rgb
        recognizer, matcher, threshold = self.recognizer, self.matcher, self._threshold
        item.identifying = True

        def work() -> PhotoResult:
            return recognizer.identify(
                rgb, boxes=[box], unsure_threshold=threshold, matcher=matcher, path=item.path
            )

        self._model_runner.submit(item.id, work, self._on_manual_done, self._on_manual_failed)
        return True

    def use_whole_photo(self) -> bool:
        """Identify the whole photo as one figure, replacing the found boxes (undoable).

        For close-ups of a single figure, and figures whose head the locator can't find
        (it looks for anime faces: on a LEGO minifigure it may pick a hand)."""
        item = self.current_item()
        if item is None or item.loaded is None or item.result is None or self.recognizer is None:
            return False
        rgb = item.loaded.rgb
        recognizer, matcher, threshold = self.recognizer, self.matcher, self._threshold
        item.identifying = True

        def work() -> PhotoResult:
            return recognizer.identify(
                rgb, whole_image=True, unsure_threshold=threshold, matcher=matcher,
                path=item.path,
            )

        self._model_runner.submit(item.id, work, self._on_whole_done, self._on_manual_failed)
        return True

    def _on_whole_done(self, item_id: object, found: PhotoResult) -> None:
        item = self._by_id(item_id)
        if item is None or item.result is None:
            return
        item.identifying = False
        self._set_result(item, dataclasses.replace(item.result, figurines=found.figurines))
        item.selected = 0
        self.item_changed.emit(self.index_of(item))
        self._pump()  # a change to taught figures may have made this photo stale meanwhile

    def _on_manual_failed(self, item_id: object, message: str) -> None:
        item = self._by_id(item_id)
        if item is not None:
            item.identifying = False
        self.notice.emit(f"The drawn box could not be identified: {message}")
        self._pump()

    def _on_manual_done(self, item_id: object, found: PhotoResult) -> None:
        item = self._by_id(item_id)
        if item is None or item.result is None:
            return
        item.identifying = False
        new = found.figurines[0] if found.figurines else None
        if new is None:
            return
        new = dataclasses.replace(new, origin="manual")
        kept = [f for f in item.result.figurines if f.box.iou(new.box) < REPLACE_IOU]
        self._set_result(item, dataclasses.replace(item.result, figurines=(*kept, new)))
        item.selected = len(kept)
        self.item_changed.emit(self.index_of(item))
        self._pump()

    def _set_result(self, item: PhotoItem, result: PhotoResult) -> None:
        if item.result is not None:
            item.history = (item.history + [item.result])[-MAX_UNDO:]
        item.result = result

    # -- the pipeline --------------------------------------------------------------
    def _priority(self) -> list[PhotoItem]:
        """Current photo first, then the rest of the queue in order after it."""
        if not self.items:
            return []
        start = max(self.current, 0)
        return self.items[start:] + self.items[:start]

    def _needs_identify(self, item: PhotoItem) -> bool:
        if item.error is not None:
            return False
        return item.result is None or item.stale

    def _pump(self) -> None:
        """Start the next decode and the next identification, if any are due."""
        if not self._decoder.busy:
            for item in self._priority():
                if item.error is not None or item.loaded is not None or item.decoding:
                    continue
                is_current = item is self.current_item()
                # Photos ahead in the queue are decoded only once the model can take
                # them, so a big drop does not hold every picture in memory at once.
                if is_current or (self.model_state == "ready" and self._needs_identify(item)):
                    self._start_decode(item)
                    break
        if self.model_state == "ready" and not self._model_runner.busy:
            for item in self._priority():
                if item.loaded is not None and not item.identifying and self._needs_identify(item):
                    self._start_identify(item)
                    break

    def _start_decode(self, item: PhotoItem) -> None:
        item.decoding = True
        path, pasted, label = item.path, item.pasted, item.label
        self._decoder.submit(
            item.id, lambda: _decode(path, pasted, label), self._on_decoded, self._on_decode_failed
        )

    def _on_decoded(self, item_id: object, payload: tuple) -> None:
        item = self._by_id(item_id)
        if item is None:
            return
        item.decoding = False
        item.loaded, item.display = payload
        self.item_changed.emit(self.index_of(item))
        self._evict()  # the user may have moved on while this photo was reopening
        self._pump()

    def _on_decode_failed(self, item_id: object, message: str) -> None:
        item = self._by_id(item_id)
        if item is None:
            return
        item.decoding = False
        item.error = message
        self.item_changed.emit(self.index_of(item))
        self._emit_progress()
        self._pump()

    def _start_identify(self, item: PhotoItem) -> None:
        item.identifying = True
        assert item.loaded is not None
        rgb = item.loaded.rgb
        recognizer, matcher, threshold = self.recognizer, self.matcher, self._threshold
        # Identifying a stale result again keeps its boxes and how each was made (the
        # user's own, a whole photo, or located: those get the second look again).
        old = item.job_base = item.result
        item.job_generation = self._generation
        regions = [(f.box, f.origin) for f in old.figurines] if old is not None else None

        def work() -> PhotoResult:
            return recognizer.identify(
                rgb, regions=regions, unsure_threshold=threshold, matcher=matcher,
                path=item.path,
            )

        self._model_runner.submit(item.id, work, self._on_identified, self._on_identify_failed)

    def _on_identified(self, item_id: object, result: PhotoResult) -> None:
        item = self._by_id(item_id)
        if item is None:
            return
        item.identifying = False
        if item.result is not item.job_base:
            # The user changed the boxes while this ran: keep their edit and name it again.
            item.stale = True
        else:
            if item.result is not None:
                self._set_result(item, result)  # keep the old boxes undoable
            else:
                item.result = result
            # Taught figures that changed meanwhile are not in this result yet.
            item.stale = item.job_generation != self._generation
        item.job_base = None
        shown = item.result.figurines if item.result is not None else ()
        item.selected = min(max(item.selected, 0), max(len(shown) - 1, 0))
        self.item_changed.emit(self.index_of(item))
        self._emit_progress()
        self._evict()
        self._pump()

    def _on_identify_failed(self, item_id: object, message: str) -> None:
        item = self._by_id(item_id)
        if item is None:
            return
        item.identifying = False
        item.error = f"{item.label}: identifying failed: {message}"
        self.item_changed.emit(self.index_of(item))
        self._emit_progress()
        self._pump()

    def reidentify_all(self) -> None:
        """Name every photo's boxes again (e.g. after the user taught a figure); one being
        identified now is identified again when it finishes."""
        self._generation += 1
        for item in self.items:
            if item.result is not None:
                item.stale = True
        self._pump()

    def _evict(self) -> None:
        """Drop the pixels of finished photos the user is not looking at."""
        current = self.current_item()
        for item in self.items:
            if (
                item is not current
                and item.path is not None
                and item.loaded is not None
                and not item.identifying
                and not self._needs_identify(item)
            ):
                item.loaded = None
                item.display = None

    def _emit_progress(self) -> None:
        self.progress_changed.emit(sum(1 for it in self.items if it.done), len(self.items))

    # -- tests and shutdown ----------------------------------------------------------
    def wait_idle(self, msecs: int = 30000) -> bool:
        """Block until worker threads are idle (for tests and a clean exit)."""
        return self._decoder.wait(msecs) and self._model_runner.wait(msecs)

    @property
    def busy(self) -> bool:
        return self._decoder.busy or self._model_runner.busy

