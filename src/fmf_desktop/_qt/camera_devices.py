"""Which cameras exist, and noticing when one is plugged in or out.

Frames always come through OpenCV (see `fmf_desktop.live.sources` for why).  For the
picker we prefer QtMultimedia's `QMediaDevices` when it is installed (PySide6-Addons):
it gives the names the OS shows and a change signal.  The app only depends on
PySide6-Essentials, so without it we list `/dev/video*` (Linux) and poll, or probe the
first few indices once (other systems: probing opens each camera, so not on a timer).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from fmf_desktop.live.sources import CameraInfo

POLL_MS = 2000


def _qt_multimedia():  # -> module | None
    try:
        from PySide6 import QtMultimedia  # type: ignore[attr-defined]
    except ImportError:
        return None
    return QtMultimedia


def qt_camera_list() -> list[CameraInfo] | None:
    """Cameras as QtMultimedia names them, or None when QtMultimedia is not installed.

    On Linux `QCameraDevice.id()` is the device path, which OpenCV opens directly;
    elsewhere QtMultimedia lists devices in the OS order that OpenCV's indices follow."""
    qtmm = _qt_multimedia()
    if qtmm is None:
        return None
    from fmf_desktop.live.sources import CameraInfo

    out = []
    for i, dev in enumerate(qtmm.QMediaDevices.videoInputs()):
        dev_id = bytes(dev.id()).decode(errors="replace")
        spec = dev_id if dev_id.startswith("/dev/video") else str(i)
        out.append(CameraInfo(spec=spec, name=dev.description() or f"Camera {i}"))
    return out


class CameraWatcher(QObject):
    """Emits `changed(list[CameraInfo])` whenever the set of cameras changes."""

    changed = Signal(list)

    def __init__(self, lister: Callable[[], list[CameraInfo]] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lister = lister
        self._cameras: list[CameraInfo] = []
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.refresh)
        self._media_devices = None
        qtmm = _qt_multimedia() if lister is None else None
        if qtmm is not None:
            self._media_devices = qtmm.QMediaDevices(self)
            self._media_devices.videoInputsChanged.connect(self.refresh)

    @property
    def cameras(self) -> list[CameraInfo]:
        return list(self._cameras)

    def list_now(self) -> list[CameraInfo]:
        if self._lister is not None:
            return self._lister()
        qt = qt_camera_list()
        if qt is not None:
            return qt
        from fmf_desktop.live.sources import list_cameras  # OpenCV: imported on first use

        return list_cameras()

    def refresh(self) -> list[CameraInfo]:
        cams = self.list_now()
        if cams != self._cameras:
            self._cameras = cams
            self.changed.emit(cams)
        return cams

    def start(self) -> None:
        """Watch while the camera page is visible (polling only where it is cheap)."""
        self.refresh()
        if self._media_devices is None and (self._lister is not None
                                            or sys.platform.startswith("linux")):
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
