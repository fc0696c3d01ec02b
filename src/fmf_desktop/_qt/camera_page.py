"""Camera mode: pick a camera (or a video file), watch names appear over each figurine,
freeze a frame to get the full photo results and shop links.

This page owns at most one running `LiveBridge`.  It starts one when the page is shown
and stops it when the page is hidden (leaving camera mode) or another camera is picked,
so the device is always released.  Stopping never blocks the GUI thread: the old
pipeline is asked to stop, and a newly picked source starts once the old one reports it
has released its device (`LiveBridge.finished`).
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fmf_desktop._qt import browser
from fmf_desktop._qt.camera_devices import CameraWatcher
from fmf_desktop._qt.camera_message import CameraMessage
from fmf_desktop._qt.camera_view import CameraView
from fmf_desktop._qt.results_panel import ResultsPanel
from fmf_desktop._qt.workers import JobRunner

if TYPE_CHECKING:
    # The live core imports OpenCV (~0.3 s); it is imported when camera mode first starts
    # a source, so building the window (with this page in it) stays fast.
    from fmf_desktop._qt.camera_bridge import LiveBridge
    from fmf_desktop.live.pipeline import LiveEngine, LiveStatus, LiveUpdate
    from fmf_desktop.live.sources import CameraInfo, FrameSource
    from fmf_desktop.results import PhotoResult


def _open_source(spec: str) -> FrameSource:
    from fmf_desktop.live.sources import open_source

    return open_source(spec)

VIDEO_PATTERNS = "*.mp4 *.avi *.mov *.mkv *.webm *.m4v *.mjpeg *.mjpg"
_LAST_DEVICE_KEY = "camera/lastDevice"
_LAST_DIR_KEY = "camera/lastVideoDirectory"

ERROR_HEADINGS = {
    "busy": "The camera is busy or not allowed",
    "permission": "No permission to use the camera",
    "not-found": "Camera not found",
    "unreadable": "Cannot play this video",
    "recognition": "Recognition stopped",
}


class CameraPage(QWidget):
    live_updated = Signal(object)  # LiveUpdate, as shown
    state_changed = Signal(str)  # no-camera, opening, live, disconnected, error, ended, frozen
    frozen_result = Signal(object)  # PhotoResult of a frozen frame
    keep_requested = Signal(object)  # HxWx3 RGB ndarray of the frozen frame
    back_requested = Signal()  # "Back to photos" on the no-camera/error page

    def __init__(
        self,
        engine_factory: Callable[[], LiveEngine | None],
        identify: Callable[[Any], PhotoResult] | None = None,
        *,
        shops: Sequence[Any] | Callable[[], Sequence[Any]] = (),
        watcher: CameraWatcher | None = None,
        source_factory: Callable[[str], FrameSource] = _open_source,
        retry_interval: float = 1.0,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Camera")
        # The window passes its own QSettings (tests: an ini file in a temp folder).
        self._settings = settings if settings is not None else QSettings()
        self._engine_factory = engine_factory
        self._identify = identify
        self._source_factory = source_factory
        self._retry_interval = retry_interval
        self._bridge: LiveBridge | None = None
        self._pending: FrameSource | None = None
        self._video_path: str | None = None
        self._frozen = False
        self._freeze_ids = itertools.count(1)
        self._freeze_key = 0
        self._frozen_result: PhotoResult | None = None
        self._frozen_frame: Any = None
        self._last_frame: Any = None  # PreviewFrame on screen
        self._state_before_freeze = ""
        self._update_times: deque[float] = deque(maxlen=20)
        self._last_update: LiveUpdate | None = None
        self.state = ""
        self._runner = JobRunner(1, self)
        self.watcher = watcher or CameraWatcher(parent=self)
        if watcher is not None:
            watcher.setParent(self)
        self.watcher.changed.connect(self._on_cameras_changed)
        em = self.fontMetrics().height()

        # -- top bar
        self.device_combo = QComboBox()
        self.device_combo.setAccessibleName("Camera")
        self.device_combo.setMinimumContentsLength(18)
        self.device_combo.activated.connect(self._on_device_picked)
        device_label = QLabel("&Camera:")
        device_label.setBuddy(self.device_combo)

        self.open_video_action = QAction("Open a &video file…", self)
        self.open_video_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.open_video_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.open_video_action.triggered.connect(self.open_video_dialog)
        self.addAction(self.open_video_action)
        self.open_video_button = QPushButton("Open a video file…")
        self.open_video_button.setAccessibleName("Open a video file")
        self.open_video_button.setToolTip("Play a recorded clip of your shelf (Ctrl+Shift+O)")
        self.open_video_button.clicked.connect(self.open_video_dialog)

        self.freeze_action = QAction("&Freeze and identify", self)
        self.freeze_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.freeze_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.freeze_action.triggered.connect(self.toggle_freeze)
        self.addAction(self.freeze_action)
        self.keep_button = QPushButton("Keep as photo")
        self.keep_button.setAccessibleName("Keep the frozen frame as a photo")
        self.keep_button.setToolTip("Add this frame to your photos, to draw boxes, teach "
                                    "a figure or add it to your collection")
        self.keep_button.clicked.connect(self._keep)
        self.keep_button.hide()
        self.freeze_button = QPushButton()
        self.freeze_button.setAccessibleName("Freeze and identify")
        self.freeze_button.setCheckable(True)
        self.freeze_button.clicked.connect(self.toggle_freeze)
        self._set_freeze_button()

        top = QHBoxLayout()
        top.setContentsMargins(em // 2, em // 4, em // 2, em // 4)
        top.addWidget(device_label)
        top.addWidget(self.device_combo, 1)
        top.addWidget(self.open_video_button)
        top.addStretch(1)
        top.addWidget(self.keep_button)
        top.addWidget(self.freeze_button)

        # -- picture or message, and the results panel
        self.view = CameraView()
        self.view.resized.connect(self._on_view_resized)
        self.view.figurine_clicked.connect(self._select_frozen)
        self.message = CameraMessage()
        self.message.open_video_requested.connect(self.open_video_dialog)
        self.message.retry_requested.connect(self.retry)
        self.message.back_requested.connect(self.back_requested)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.message)
        self.results_panel = ResultsPanel()
        # A callable is asked again each time camera mode opens (shops edited meanwhile).
        self._shops = shops
        self.results_panel.set_shops(shops() if callable(shops) else shops)
        self.results_panel.shop_requested.connect(self._open_shop)
        self.results_panel.figurine_selected.connect(self._select_frozen)
        self.results_panel.show_message(
            "Live", "Names appear over each figurine. Press Freeze (Space) for the full "
            "results and shop links.")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(self.results_panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)

        self.status_line = QLabel()
        self.status_line.setAccessibleName("Camera status line")
        self.status_line.setContentsMargins(em // 2, 0, em // 2, em // 4)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.status_line)

        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # -- public API ----------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._bridge is not None

    def is_frozen(self) -> bool:
        return self._frozen

    def set_identify(self, identify: Callable[[Any], PhotoResult] | None) -> None:
        self._identify = identify

    def set_shops(self, shops: Sequence[Any]) -> None:
        self.results_panel.set_shops(shops)

    def refresh_engine(self, *_args: object) -> None:
        """The model finished loading (or changed): give it to the running pipeline."""
        if self._bridge is not None:
            self._bridge.pipeline.set_engine(self._engine_factory())
        self._update_status_line()

    def start_camera(self, spec: str) -> None:
        self._settings.setValue(_LAST_DEVICE_KEY, spec)
        self._video_path = None
        self.start_source(self._source_factory(spec))

    def start_video(self, path: str) -> None:
        self._video_path = path
        self._fill_combo(self.watcher.cameras)
        from fmf_desktop.live.sources import VideoFileSource

        self.start_source(VideoFileSource(path))

    def start_source(self, source: FrameSource) -> None:
        """Show `source` (a camera, a file, or a test double); replaces what runs now."""
        self._unfreeze()
        if self._bridge is not None:
            self._pending = source
            self._bridge.stop()
            return
        from fmf_desktop._qt.camera_bridge import LiveBridge

        bridge = LiveBridge(source, self._engine_factory(), self,
                            retry_interval=self._retry_interval)
        bridge.frame_ready.connect(self._on_frame_ready)
        bridge.updated.connect(self._on_update)
        bridge.status_changed.connect(self._on_status)
        bridge.finished.connect(self._on_finished)
        self._bridge = bridge
        self._update_times.clear()
        self._last_update = None
        self._last_frame = None
        self.view.clear()
        self._show_picture()
        ratio = self.view.devicePixelRatioF()
        bridge.set_target_size(round(self.view.width() * ratio),
                               round(self.view.height() * ratio))
        bridge.start()

    def stop(self) -> None:
        """Release the device (asynchronously; the GUI never waits for it)."""
        self._pending = None
        self._unfreeze()
        if self._bridge is not None:
            self._bridge.stop()

    def shutdown(self) -> None:
        """Blocking stop at application exit, so the camera is closed before we quit."""
        self._pending = None
        if self._bridge is not None:
            self._bridge.stop_and_wait()
            self._bridge = None

    def retry(self) -> None:
        if self._video_path is not None:
            self.start_video(self._video_path)
            return
        cams = self.watcher.refresh()
        spec = self.device_combo.currentData()
        if spec is None and cams:
            spec = cams[0].spec
        if spec is None:
            self._show_no_camera()
        else:
            self.start_camera(spec)

    def open_video_dialog(self) -> None:
        settings = self._settings
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a video file", str(settings.value(_LAST_DIR_KEY, "") or ""),
            f"Videos ({VIDEO_PATTERNS});;All files (*)")
        if path:
            settings.setValue(_LAST_DIR_KEY, str(Path(path).parent))
            self.start_video(path)

    # -- freeze ----------------------------------------------------------------------------
    def toggle_freeze(self) -> None:
        if self._frozen:
            self._unfreeze()
            return
        # The newest frame; after a clip ended, the last one still on screen.
        latest = self._bridge.latest if self._bridge is not None else self._last_frame
        if latest is None:
            self.freeze_button.setChecked(False)
            return
        if self._bridge is not None:
            self._bridge.pipeline.pause()
        self._state_before_freeze = self.state
        self._frozen = True
        self._frozen_result = None
        self._frozen_frame = latest.frame.rgb
        self._set_freeze_button()
        self.view.set_frame(latest.image, latest.frame.width, latest.frame.height,
                            latest.frame.t)
        self.view.set_frozen([])
        self.view.set_banner("Identifying…")
        self.results_panel.show_message("Identifying…", "Looking at the frozen frame.")
        self._set_state("frozen")
        self._freeze_key = next(self._freeze_ids)
        identify = self._identify
        if identify is None:
            self._on_freeze_failed(self._freeze_key,
                                   "The recognition model is still loading. Resume and "
                                   "freeze again in a moment.")
            return
        rgb = latest.frame.rgb
        self._runner.submit(self._freeze_key, lambda: identify(rgb),
                            self._on_freeze_done, self._on_freeze_failed)

    def _on_freeze_done(self, key: object, result: PhotoResult) -> None:
        if key != self._freeze_key or not self._frozen:
            return  # resumed meanwhile
        self._frozen_result = result
        self.view.set_banner("")
        self.view.set_frozen(result.figurines, 0)
        self.results_panel.set_figurines(result.figurines, 0)
        self.frozen_result.emit(result)

    def _on_freeze_failed(self, key: object, message: str) -> None:
        if key != self._freeze_key or not self._frozen:
            return
        self.view.set_banner("")
        self.results_panel.show_message("Cannot identify", message)

    def _select_frozen(self, index: int) -> None:
        if self._frozen_result is None:
            return
        self.view.select(index)
        self.results_panel.select(index)

    def _unfreeze(self) -> None:
        if not self._frozen:
            return
        self._frozen = False
        self._frozen_result = None
        self._frozen_frame = None
        self._set_freeze_button()
        self.view.set_frozen(None)
        self.view.set_banner("")
        self.results_panel.show_message(
            "Live", "Names appear over each figurine. Press Freeze (Space) for the full "
            "results and shop links.")
        if self._bridge is not None:
            self._bridge.pipeline.resume()
            self._set_state("live")
        else:
            self._set_state(self._state_before_freeze)

    def _keep(self) -> None:
        if self._frozen and self._frozen_frame is not None:
            self.keep_requested.emit(self._frozen_frame)

    def _set_freeze_button(self) -> None:
        text = "Resume live view" if self._frozen else "Freeze && identify"
        self.freeze_button.setText(f"{text}  (Space)")
        self.freeze_button.setChecked(self._frozen)
        self.keep_button.setVisible(self._frozen)
        self.freeze_button.setAccessibleName(text.replace("&&", "and"))
        self.freeze_action.setText(text.replace("&&", "and"))

    # -- bridge signals (GUI thread) ---------------------------------------------------------
    def _on_frame_ready(self) -> None:
        bridge = self.sender()
        if bridge is not self._bridge or self._frozen:
            return
        pf = bridge.take_frame()
        if pf is not None:
            self._last_frame = pf
            self.view.set_frame(pf.image, pf.frame.width, pf.frame.height, pf.frame.t)

    def _on_update(self, update: LiveUpdate) -> None:
        if self.sender() is not self._bridge or self._frozen:
            return
        if self.state == "disconnected":
            return  # a frame from before the gap, recognised late: not worth showing
        self.view.set_live(update)
        self._last_update = update
        now = time.monotonic()
        self._update_times.append(now)
        self._update_status_line(update)
        self.live_updated.emit(update)

    def _on_status(self, status: LiveStatus) -> None:
        bridge = self.sender()
        if bridge is not self._bridge:
            return
        name = bridge.source.name
        if status.state == "opening":
            self.view.set_banner(f"Opening {name}…")
            self._set_state("opening")
        elif status.state == "live":
            self.view.set_banner("")
            self._show_picture()
            self._set_state("live")
        elif status.state == "disconnected":
            self.view.set_live(None)
            self.view.set_banner(status.message, dim=True)
            self._set_state("disconnected")
        elif status.state == "error":
            self._show_error(status)
        elif status.state == "ended":
            self.view.set_banner(f"End of {name}. Open another video or pick a camera.")
            self._set_state("ended")
        self._update_status_line()

    def _on_finished(self, status: LiveStatus) -> None:
        if self.sender() is not self._bridge:
            return
        self._bridge.deleteLater()
        self._bridge = None
        if self._pending is not None:
            source, self._pending = self._pending, None
            self.start_source(source)
        elif status.state == "stopped":
            self._set_state("stopped")

    def _show_error(self, status: LiveStatus) -> None:
        heading = ERROR_HEADINGS.get(status.kind, "The camera stopped")
        text = status.message
        if status.kind == "busy":
            text += "\n\nClose other apps that use the camera (video calls, other camera " \
                    "apps), then try again."
        self.message.show_state(heading, text, retry="&Try again")
        self._show_message_page()
        self._set_state("error")

    def _show_no_camera(self) -> None:
        self.message.show_state(
            "No camera found",
            "Connect a webcam: it appears here by itself. You can also open a recorded "
            "video of your shelf.", retry="&Look again")
        self._show_message_page()
        self._set_state("no-camera")

    def _show_picture(self) -> None:
        self.stack.setCurrentWidget(self.view)
        self.results_panel.show()

    def _show_message_page(self) -> None:
        # Without a picture there are no results: the message gets the whole width.
        self.stack.setCurrentWidget(self.message)
        self.results_panel.hide()

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.freeze_button.setEnabled(state in ("live", "frozen", "ended"))
            self.freeze_action.setEnabled(self.freeze_button.isEnabled())
            self.state_changed.emit(state)

    def _update_status_line(self, update: LiveUpdate | None = None) -> None:
        if self._bridge is None:
            return  # keep the last line (e.g. what the clip showed before it ended)
        update = update or self._last_update
        parts = [self._bridge.source.name]
        if self.state in ("disconnected", "ended"):
            parts.append(self.state)
        if self._bridge.pipeline.engine is None:
            parts.append("loading the recognition model; names appear when it is ready")
        elif update is not None:
            n = len(update.figurines)
            parts.append(f"{n} figurine{'s' if n != 1 else ''}")
            if len(self._update_times) >= 2:
                span = self._update_times[-1] - self._update_times[0]
                if span > 0:
                    parts.append(f"{(len(self._update_times) - 1) / span:.0f} updates/s")
        self.status_line.setText(" · ".join(parts))

    # -- devices -------------------------------------------------------------------------------
    def _fill_combo(self, cams: list[CameraInfo]) -> None:
        combo = self.device_combo
        combo.blockSignals(True)
        combo.clear()
        for cam in cams:
            combo.addItem(cam.name, cam.spec)
        if self._video_path is not None:
            combo.addItem(f"Video: {Path(self._video_path).name}", None)
            combo.setCurrentIndex(combo.count() - 1)
        if combo.count() == 0:
            combo.addItem("No camera found", None)
        combo.setEnabled(bool(cams) or self._video_path is not None)
        combo.blockSignals(False)

    def _select_spec(self, spec: str) -> None:
        idx = self.device_combo.findData(spec)
        if idx >= 0:
            self.device_combo.setCurrentIndex(idx)

    def _on_cameras_changed(self, cams: list) -> None:
        current = self.device_combo.currentData()
        self._fill_combo(cams)
        if current is not None:
            self._select_spec(current)
        # A camera plugged in while we show "no camera": use it.
        if self.isVisible() and self.state == "no-camera" and cams:
            self._select_spec(cams[0].spec)
            self.start_camera(cams[0].spec)
        elif self.isVisible() and not cams and self._bridge is None and \
                self._video_path is None:
            self._show_no_camera()

    def _on_device_picked(self, index: int) -> None:
        spec = self.device_combo.itemData(index)
        if spec is not None:
            self.start_camera(spec)

    def _on_view_resized(self, width: int, height: int) -> None:
        if self._bridge is not None:
            self._bridge.set_target_size(width, height)

    def _open_shop(self, _name: str, url: str) -> None:
        browser.open_url(url, self)

    # -- entering and leaving camera mode ---------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if event.spontaneous():
            return  # window restored from minimised: nothing was stopped
        if callable(self._shops):
            self.results_panel.set_shops(self._shops())
        cams = self.watcher.list_now()
        self.watcher.start()
        self._fill_combo(cams)
        if self._bridge is not None:
            return
        if self._video_path is not None:
            self.start_video(self._video_path)
            return
        if not cams:
            self._show_no_camera()
            return
        last = self._settings.value(_LAST_DEVICE_KEY, "")
        spec = last if any(c.spec == last for c in cams) else cams[0].spec
        self._select_spec(spec)
        self.start_camera(spec)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().hideEvent(event)
        if event.spontaneous():
            return  # minimised: keep the stream, the user is coming back
        self.watcher.stop()
        self.stop()


def install_camera_mode(window: Any) -> CameraPage:
    """Build the camera page for the main window and put it in place of the placeholder.

    Live names use the window's recognizer once its session has loaded it; a frozen frame
    goes through the same `identify` as photos (threshold and taught figures included)."""
    session = window.session

    def engine() -> LiveEngine | None:
        recognizer = session.recognizer
        if recognizer is None or not hasattr(recognizer, "classify_crops"):
            return None
        from fmf_desktop.live.pipeline import RecognizerEngine

        return RecognizerEngine(recognizer, matcher=lambda: session.matcher)

    def identify(rgb: Any) -> PhotoResult:
        recognizer = session.recognizer
        if recognizer is None:
            raise RuntimeError("The recognition model is still loading; try again in a "
                               "moment.")
        return recognizer.identify(rgb, unsure_threshold=session.unsure_threshold,
                                   matcher=session.matcher)

    page = CameraPage(engine, identify, shops=window.settings.shops,
                      settings=window.settings.qsettings)
    def keep(rgb: Any) -> None:
        from fmf_desktop._qt.photo_session import qimage_from_rgb

        window.toggle_camera(False)
        session.add_image(qimage_from_rgb(rgb))

    window.set_camera_widget(page)
    session.model_state_changed.connect(page.refresh_engine)
    page.keep_requested.connect(keep)
    page.back_requested.connect(lambda: window.toggle_camera(False))
    return page
