"""Run slow work (model loading, decoding, inference) on a QThreadPool.

Results come back through queued signals, so every slot runs on the GUI thread. Each job
carries a ``key`` chosen by the caller (e.g. a photo id) so late results for a photo
that has changed meanwhile can be recognised and dropped.
"""

from __future__ import annotations

import traceback
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


def _is_load_error(exc: BaseException) -> bool:
    # Looked up lazily: importing the imaging core (OpenCV, Pillow) on the GUI thread at
    # startup would delay the first window.
    from fmf_desktop.imaging import ImageLoadError

    return isinstance(exc, ImageLoadError)

class JobSignals(QObject):
    done = Signal(object, object)  # key, result
    failed = Signal(object, str)  # key, message for the user


def describe_error(exc: BaseException) -> str:
    """A message a user can act on; ImageLoadError messages already name the file."""
    if _is_load_error(exc) or (type(exc).__module__.startswith("fmf_desktop") and str(exc)):
        return str(exc)  # our own errors are written for the user already
    if isinstance(exc, MemoryError):
        return "Not enough memory for this photo."
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if str(exc) else text


class Job(QRunnable):
    """Calls ``fn()`` on a pool thread and reports the outcome on ``signals``."""

    def __init__(self, key: Any, fn: Callable[[], Any]) -> None:
        super().__init__()
        # The pool must not delete the runnable: Python keeps it (and its signals
        # object) alive until the queued result has been delivered.
        self.setAutoDelete(False)
        self.key = key
        self._fn = fn
        self.signals = JobSignals()

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # noqa: BLE001 - every failure must reach the user
            if not _is_load_error(exc):
                traceback.print_exc()
            self.signals.failed.emit(self.key, describe_error(exc))
        else:
            self.signals.done.emit(self.key, result)


class JobRunner(QObject):
    """A thread pool plus the bookkeeping that keeps running jobs alive."""

    def __init__(self, max_threads: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._running: dict[JobSignals, Job] = {}
        self._finished: deque[Job] = deque(maxlen=16)

    def submit(
        self,
        key: Any,
        fn: Callable[[], Any],
        on_done: Callable[[Any, Any], None],
        on_failed: Callable[[Any, str], None],
    ) -> Job:
        """Queue ``fn``; ``on_done``/``on_failed`` must be slots of GUI-thread QObjects."""
        job = Job(key, fn)
        # Connected first (connections fire in order), so the runner is no longer busy
        # when the caller's slot runs and can start the next job from there.
        job.signals.done.connect(self._forget)
        job.signals.failed.connect(self._forget)
        job.signals.done.connect(on_done)
        job.signals.failed.connect(on_failed)
        self._running[job.signals] = job
        self.pool.start(job)
        return job

    def _forget(self, *_args: object) -> None:
        job = self._running.pop(self.sender(), None)
        if job is not None:
            # Still referenced for a while: its signal is being delivered right now, and
            # deleting a sender in the middle of that is unsafe.
            self._finished.append(job)

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def wait(self, msecs: int = -1) -> bool:
        return self.pool.waitForDone(msecs)
