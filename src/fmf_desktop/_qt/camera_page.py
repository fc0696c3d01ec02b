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
from fmf_desktop._qt.camera_wording import (
    FREEZE_TIP,
    LIVE_HINT,
    MODEL_LOADING_TIP,
    NO_CAMERA,
    ended_texts,
    error_heading,
    error_text,
    file_error_status,
    freeze_button_text,
    identify_for_user,
    status_line,
)
from fmf_desktop._qt.results_panel import ResultsPanel
from fmf_desktop._qt.window_minimise import MinimiseWatcher
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


class CameraPage(QWidget):
    live_updated = Signal(object)  # LiveUpdate, as shown
    state_changed = Signal(str)  # no-camera, opening, live, disconnected, error, ended, frozen
    frozen_result = Signal(object)  # PhotoResult of a frozen frame
    keep_requested = Signal(object)  # HxWx3 RGB ndarray of the frozen frame
    back_requested = Signal()  # "Back to photos" on the no-camera/error page
    photo_requested = Signal(str)  # a photo was opened as a video: identify it as a photo

    def __init__(
        self,
        engine_factory: Callable[[], LiveEngine | None],
        identify: Callable[[Any], PhotoResult] | None = None,
        *,
        model_ready: Callable[[], bool] = lambda: True,
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
        self._model_ready = model_ready
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
        self._source_name = ""  # what the status line names (kept after the stream ends)
        self._status_detail = ""  # the last error or end message, for the status line
        self._replay: FrameSource | None = None  # a fresh copy of a clip that ended
        self._photo_path: str | None = None  # a photo opened as a video ("Identify as photo")
        # Nobody sees a minimised window: reading and naming pause meanwhile.
        self._minimise = MinimiseWatcher(self)
        self._minimise.changed.connect(self._on_minimised)
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
        self.device_combo.setMinimumContentsLength(24)
        # A fixed width: the combo box must not shrink when "Keep as photo" or "Play
        # again" appear on the right, which made "Open a video file…" jump sideways.
        self.device_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
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
        self.replay_button = QPushButton("&Play again")
        self.replay_button.setAccessibleName("Play the video again")
        self.replay_button.setToolTip("Play this video again from the start")
        self.replay_button.clicked.connect(self.play_again)
        self.replay_button.hide()

        top = QHBoxLayout()
        top.setContentsMargins(em // 2, em // 4, em // 2, em // 4)
        top.addWidget(device_label)
        top.addWidget(self.device_combo)
        top.addWidget(self.open_video_button)
        top.addStretch(1)
        top.addWidget(self.replay_button)
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
        self.results_panel.show_message(*LIVE_HINT)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(self.results_panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)

        self.status_line = QLabel()
        self.status_line.setAccessibleDescription("Camera status line")
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

    def reading_paused(self) -> bool:
        """True once the running source is no longer read (frozen, or the window is
        minimised); the device stays open for when the user comes back."""
        return self._bridge is not None and self._bridge.pipeline.wait_paused(0)

    def latest_rgb(self) -> Any | None:
        """A copy of the newest frame's pixels (HxWx3 RGB), or None when no source runs
        or none has been read yet."""
        latest = self._bridge.latest if self._bridge is not None else None
        return None if latest is None else latest.frame.rgb.copy()

    def set_identify(self, identify: Callable[[Any], PhotoResult] | None) -> None:
        self._identify = identify
        self._update_actions()

    def can_identify(self) -> bool:
        """Whether Freeze can name what it shows now (the model has loaded)."""
        return self._identify is not None and self._model_ready()

    def set_shops(self, shops: Sequence[Any]) -> None:
        self.results_panel.set_shops(shops)

    def refresh_engine(self, *_args: object) -> None:
        """The model finished loading (or changed): give it to the running pipeline."""
        if self._bridge is not None:
            self._bridge.pipeline.set_engine(self._engine_factory())
        self._update_actions()
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
        self._replay = None
        self._photo_path = None
        self.replay_button.hide()
        if self._bridge is not None:
            self._pending = source
            self._bridge.stop()
            return
        from fmf_desktop._qt.camera_bridge import LiveBridge
        from fmf_desktop.live.sources import quiet_decoder_logs

        quiet_decoder_logs()  # before the first capture opens (FFmpeg reads it once)

        bridge = LiveBridge(source, self._engine_factory(), self,
                            retry_interval=self._retry_interval)
        bridge.frame_ready.connect(self._on_frame_ready)
        bridge.updated.connect(self._on_update)
        bridge.status_changed.connect(self._on_status)
        bridge.finished.connect(self._on_finished)
        self._bridge = bridge
        self._source_name = source.name
        self._status_detail = ""
        self._update_times.clear()
        self._last_update = None
        self._last_frame = None
        self.view.clear()
        self.results_panel.show_message(*LIVE_HINT)
        self._show_picture()
        ratio = self.view.devicePixelRatioF()
        bridge.set_target_size(round(self.view.width() * ratio),
                               round(self.view.height() * ratio))
        bridge.start()
        self._apply_pause()  # e.g. a camera plugged in while minimised

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

    def play_again(self) -> None:
        """Start a clip that ended (or was frozen after its end) from the beginning."""
        if self._replay is not None:
            self.start_source(self._replay)

    def retry(self) -> None:
        if self._photo_path is not None:
            self.photo_requested.emit(self._photo_path)
            return
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
        if latest is None or not self.can_identify():
            # The action is disabled then; this catches the shortcut racing the model.
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
        assert identify is not None  # can_identify()
        rgb = latest.frame.rgb
        self._runner.submit(self._freeze_key, lambda: identify_for_user(identify, rgb),
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
        self.results_panel.show_message(*LIVE_HINT)
        if self._bridge is not None:
            self._apply_pause()
            self._set_state("live")
        else:
            # The stream is over (a clip ended): back to that, not to a live look.
            self._set_state(self._state_before_freeze)
            if self.state == "ended":
                self._show_ended()
        self._update_status_line()

    def _keep(self) -> None:
        if self._frozen and self._frozen_frame is not None:
            self.keep_requested.emit(self._frozen_frame)

    def _show_ended(self) -> None:
        can_play_again = self._replay is not None
        banner, explanation = ended_texts(self._source_name, can_play_again=can_play_again)
        # At the picture's bottom edge: in the middle it covered figurines' names.
        self.view.set_banner(banner, at_bottom=True)
        self.results_panel.show_message("Ended", explanation)
        self.replay_button.setVisible(can_play_again)

    def _frozen_after_end(self) -> bool:
        """Frozen on the last frame of a clip that ended: there is no live view to go back
        to, only the ended video."""
        return self._frozen and self._state_before_freeze == "ended"

    def _set_freeze_button(self) -> None:
        text = freeze_button_text(frozen=self._frozen, after_end=self._frozen_after_end())
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
            self._show_error(status, live=bridge.source.live)
        elif status.state == "ended":
            restart = getattr(bridge.source, "restarted", None)
            self._replay = restart() if callable(restart) else None
            self._set_state("ended")
            self._show_ended()
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
            self._update_status_line()

    def _show_error(self, status: LiveStatus, *, live: bool) -> None:
        opened_a_photo = status.kind == "photo" and self._video_path is not None
        # Trying a file again reads the same bytes again: for a file the way on is
        # another video, or back to the photos. A camera may come back.
        retry: str | None = "&Try again" if live else None
        if opened_a_photo:
            self._photo_path = self._video_path
            self._fill_combo(self.watcher.cameras)  # "Photo: …", not "Video: …"
            retry = "&Identify as a photo"
        self._status_detail = (status.message if live
                               else file_error_status(status.kind, self._source_name))
        self.message.show_state(
            error_heading(status.kind, live=live),
            error_text(status.kind, status.message, photo=opened_a_photo), retry=retry,
            open_video="Open a &video file…" if live else "Open &another video…")
        self._show_message_page()
        self._set_state("error")

    def _show_no_camera(self) -> None:
        self.message.show_state(*NO_CAMERA, retry="&Look again")
        self._source_name = ""
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
            if state not in ("ended", "frozen"):
                self.replay_button.hide()
            self._update_actions()
            self.state_changed.emit(state)
            self._update_status_line()

    def _update_actions(self) -> None:
        """Freeze needs a picture and the model (identifying is what it is for)."""
        picture = self.state in ("live", "frozen", "ended")
        enabled = picture and (self._frozen or self.can_identify())
        self.freeze_button.setEnabled(enabled)
        self.freeze_action.setEnabled(enabled)
        tip = "" if not picture or enabled else MODEL_LOADING_TIP
        self.freeze_button.setToolTip(tip or FREEZE_TIP)

    def _update_status_line(self, update: LiveUpdate | None = None) -> None:
        """The line under the picture says what is going on now (see `status_line`)."""
        update = update or self._last_update
        self.status_line.setText(status_line(
            self.state, source=self._source_name, detail=self._status_detail,
            frozen_after_end=self._frozen_after_end(), running=self._bridge is not None,
            minimised=self._minimise.minimised,
            model_loading=self._bridge is not None and self._bridge.pipeline.engine is None,
            figurines=None if update is None else len(update.figurines),
            updates_per_second=self._updates_per_second()))

    def _updates_per_second(self) -> float | None:
        if len(self._update_times) < 2:
            return None
        span = self._update_times[-1] - self._update_times[0]
        return (len(self._update_times) - 1) / span if span > 0 else None

    # -- devices -------------------------------------------------------------------------------
    def _fill_combo(self, cams: list[CameraInfo]) -> None:
        combo = self.device_combo
        combo.blockSignals(True)
        combo.clear()
        for cam in cams:
            combo.addItem(cam.name, cam.spec)
        if self._video_path is not None:
            kind = "Photo" if self._photo_path == self._video_path else "Video"
            combo.addItem(f"{kind}: {Path(self._video_path).name}", None)
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
            # Minimised: keep the device, the user is coming back; the window's state
            # change (eventFilter) pauses reading and recognising meanwhile.
            return
        self.watcher.stop()
        self.stop()

    # -- minimising -------------------------------------------------------------------------------
    def _on_minimised(self, minimised: bool) -> None:
        """Stop reading frames and naming figurines (a full core at 30 fps) without
        releasing the camera, and carry on when restored."""
        self._apply_pause()
        self._update_status_line()

    def _apply_pause(self) -> None:
        """Reading is paused while frozen or minimised: nobody needs new frames then."""
        if self._bridge is None:
            return
        if self._frozen or self._minimise.minimised:
            self._bridge.pipeline.pause()
        else:
            self._bridge.pipeline.resume()
