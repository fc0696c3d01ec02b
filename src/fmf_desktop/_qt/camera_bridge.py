"""Bridge from a `LivePipeline` (plain Python threads) to the GUI thread.

The pipeline calls us on its capture and recognition threads.  Frames are scaled to the
preview's size *there* (a 1080p frame scaled on the GUI thread would cost most of a
frame's time budget) and only the newest one is kept: if the GUI has not painted the
previous frame yet, the new one replaces it and no extra signal is sent.  So a slow
paint drops frames instead of queuing them, and the preview never lags behind the camera.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from fmf_desktop.live.pipeline import LiveEngine, LivePipeline, LiveStatus, LiveUpdate
from fmf_desktop.live.sources import Frame, FrameSource


@dataclass(frozen=True)
class PreviewFrame:
    frame: Frame  # full resolution (Freeze identifies this one)
    image: QImage  # scaled for the screen


class LiveBridge(QObject):
    """One running pipeline.  Signals arrive queued on the GUI thread."""

    frame_ready = Signal()  # take it with `take_frame()`
    updated = Signal(object)  # LiveUpdate
    status_changed = Signal(object)  # LiveStatus
    finished = Signal(object)  # final LiveStatus; the source is released by now

    def __init__(self, source: FrameSource, engine: LiveEngine | None,
                 parent: QObject | None = None, retry_interval: float = 1.0) -> None:
        super().__init__(parent)
        self.source = source
        self._lock = threading.Lock()
        self._latest: PreviewFrame | None = None
        self._pending = False
        self._target = (960, 540)
        self.pipeline = LivePipeline(
            source, engine, on_frame=self._on_frame, on_update=self._on_update,
            on_status=self._on_status, retry_interval=retry_interval)

    # -- GUI thread ---------------------------------------------------------------------
    def set_target_size(self, width: int, height: int) -> None:
        """Size (device pixels) the preview draws into; frames are scaled to fit it."""
        with self._lock:
            self._target = (max(16, width), max(16, height))

    def take_frame(self) -> PreviewFrame | None:
        with self._lock:
            self._pending = False
            return self._latest

    @property
    def latest(self) -> PreviewFrame | None:
        with self._lock:
            return self._latest

    def start(self) -> None:
        self.pipeline.start()

    def stop(self) -> None:
        """Ask the threads to stop without waiting; `finished` says when it is released."""
        self.pipeline.stop(timeout=None)

    def stop_and_wait(self, timeout: float = 5.0) -> None:
        """Blocking stop, for application exit only."""
        self.pipeline.stop(timeout=timeout)

    @property
    def running(self) -> bool:
        return self.pipeline.running

    # -- pipeline threads -----------------------------------------------------------------
    def _on_frame(self, frame: Frame) -> None:
        with self._lock:
            tw, th = self._target
        h, w = frame.rgb.shape[:2]
        scale = min(tw / w, th / h, 1.0)
        rgb = frame.rgb
        if scale < 1.0:
            rgb = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))),
                             interpolation=cv2.INTER_LINEAR)
        ih, iw = rgb.shape[:2]
        # QImage is safe to build off the GUI thread (QPixmap is not); copy() detaches it
        # from the numpy buffer.
        image = QImage(rgb.data, iw, ih, rgb.strides[0], QImage.Format.Format_RGB888).copy()
        with self._lock:
            self._latest = PreviewFrame(frame, image)
            if self._pending:
                return  # the GUI has not taken the previous one: it just gets this one
            self._pending = True
        self._emit(self.frame_ready)

    def _on_update(self, update: LiveUpdate) -> None:
        self._emit(self.updated, update)

    def _on_status(self, status: LiveStatus) -> None:
        self._emit(self.status_changed, status)
        if status.state in ("ended", "error", "stopped"):
            self._emit(self.finished, status)

    def _emit(self, signal, *args: object) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:
            # The widget that owned us is gone (window closed without stopping us first):
            # nobody is watching, so stop and release the device.
            self.pipeline.stop(timeout=None)


__all__ = ["LiveBridge", "LiveUpdate", "PreviewFrame"]
