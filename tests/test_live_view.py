"""Camera mode in the window (pytest-qt, offscreen).

No camera exists on the test machines (and v4l2loopback cannot load), so cameras are
played by recorded clips behind the same `FrameSource` interface; the real-camera path is
covered by the "no camera" state only.
"""
# ruff: noqa: F811 - fixtures imported from tests/support/gui_helpers.py

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from fmf_desktop._qt.camera_devices import CameraWatcher
from fmf_desktop._qt.camera_page import CameraPage
from fmf_desktop.live.pipeline import LiveUpdate, RecognizerEngine
from fmf_desktop.live.sources import (
    CameraInfo,
    DisconnectingSource,
    Frame,
    FrameSource,
    SourceError,
    VideoFileSource,
)
from fmf_desktop.recognition import Recognizer
from tests.conftest import SHELF_CHARACTERS
from tests.support.assets import model_is_stand_in
from tests.support.clips import assert_tracked_without_flicker
from tests.support.gui_helpers import gui_settings, scripted_window  # noqa: F401 - fixtures

WAIT_MS = 20000
CHARACTERS = SHELF_CHARACTERS
LABELS = Path(__file__).resolve().parents[1] / "assets" / "labels.json"



@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer()



class FakeCamera(FrameSource):
    """A "camera" that plays a clip; logs when the device is opened and released."""

    live = True

    def __init__(self, spec: str, clip: Path, log: list[str], busy: bool = False) -> None:
        self.name = f"Test camera {spec}"
        self.spec, self.log, self.busy = spec, log, busy
        self.inner = VideoFileSource(clip, speed=0.5)  # slow, so it is still live later

    def open(self) -> None:
        if self.busy:
            raise SourceError(f"{self.name} could not be opened. It may be in use by "
                              "another app.", "busy")
        self.inner.open()
        self.log.append(f"open {self.spec}")

    def read(self) -> Frame | None:
        return self.inner.read()

    def close(self) -> None:
        if self.inner._cap is not None:
            self.log.append(f"close {self.spec}")
        self.inner.close()


@pytest.fixture
def make_page(qtbot, tmp_path, recognizer, shelf_clip):
    pages = []

    def make(cams: list[CameraInfo] | None = None, busy: bool = False) -> CameraPage:
        cams_now = list(cams or [])
        log: list[str] = []
        page = CameraPage(
            engine_factory=lambda: RecognizerEngine(recognizer),
            identify=lambda rgb: recognizer.identify(rgb),
            watcher=CameraWatcher(lister=lambda: list(cams_now)),
            source_factory=lambda spec: FakeCamera(spec, shelf_clip.path, log, busy),
            settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
            retry_interval=0.05,
        )
        page.test_cams, page.test_log = cams_now, log
        qtbot.addWidget(page)
        page.resize(1100, 620)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.shutdown()


def shot(qtbot, widget, path: Path) -> None:
    qtbot.wait(50)  # let layouts settle before grabbing
    widget.grab().save(str(path))


def test_no_camera_shows_a_hint_and_open_video(make_page, qtbot, artifacts_dir) -> None:
    page = make_page()
    page.show()
    qtbot.waitUntil(lambda: page.state == "no-camera", timeout=WAIT_MS)
    assert page.stack.currentWidget() is page.message
    assert page.message.heading.text() == "No camera found"
    assert "video" in page.message.text.text()
    assert page.message.open_button.isVisible()
    assert not page.freeze_button.isEnabled()
    # A screen reader reads what the page says, not a name standing in for it.
    for label in (page.message.heading, page.message.text, page.status_line):
        assert label.accessibleName() in ("", label.text())
    shot(qtbot, page, artifacts_dir / "camera_no_camera.png")


def test_video_file_drives_the_live_view_with_steady_names(make_page, qtbot, shelf_clip,
                                                          artifacts_dir) -> None:
    page = make_page()
    page.show()
    updates: list[LiveUpdate] = []
    status_while_live: list[str] = []

    def on_update(u: LiveUpdate) -> None:
        updates.append(u)
        if len(updates) == 6:
            page.grab().save(str(artifacts_dir / "camera_live.png"))
            status_while_live.append(page.status_line.text())

    page.live_updated.connect(on_update)
    page.start_source(VideoFileSource(shelf_clip.path))
    qtbot.waitUntil(lambda: page.state == "ended", timeout=WAIT_MS)
    assert len(updates) >= 2
    assert page.view.has_frame()

    seen = assert_tracked_without_flicker(updates, shelf_clip, CHARACTERS)
    assert status_while_live and "figurine" in status_while_live[0]
    # Once the clip is over the line says so, not a rate that is no longer true.
    assert "Ended" in page.status_line.text()

    if model_is_stand_in():
        pytest.skip("stand-in model (assets/labels.json stand_in: true): names are "
                    "random; boxes, tracks and label stability were checked")
    for cid in CHARACTERS:
        assert seen[cid][-1].character.id == cid


def test_freeze_sends_the_frame_to_the_results_panel_and_resume(make_page, qtbot,
                                                                artifacts_dir) -> None:
    page = make_page([CameraInfo("0", "Test camera")])
    page.show()
    qtbot.waitUntil(lambda: page.state == "live" and page.view.live_update is not None,
                    timeout=WAIT_MS)
    with qtbot.waitSignal(page.frozen_result, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(page.freeze_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert page.is_frozen() and page.state == "frozen"
    qtbot.waitUntil(page.reading_paused, timeout=WAIT_MS)  # no frames read while frozen
    assert "Resume" in page.freeze_button.text()
    assert len(result.figurines) >= 3
    assert page.results_panel.figurine_list.count() == len(result.figurines)
    assert page.results_panel.heading.text()  # a name or "not sure" for the first one
    shot(qtbot, page, artifacts_dir / "camera_frozen.png")

    qtbot.mouseClick(page.freeze_button, Qt.MouseButton.LeftButton)  # second press
    assert not page.is_frozen() and page.state == "live"
    assert not page.reading_paused()
    count = len(page.test_log)
    with qtbot.waitSignal(page.live_updated, timeout=WAIT_MS):
        pass
    assert len(page.test_log) == count  # resumed without reopening the camera


def test_a_disconnect_is_shown_and_the_page_stays_usable(make_page, qtbot, shelf_clip,
                                                         artifacts_dir) -> None:
    page = make_page()
    page.show()
    inner = VideoFileSource(shelf_clip.path, speed=0.5)
    page.start_source(DisconnectingSource(inner, disconnect_after=8, reconnect_attempts=None))
    qtbot.waitUntil(lambda: page.state == "disconnected", timeout=WAIT_MS)
    assert "disconnected" in page.view.banner and "retrying" in page.view.banner
    assert page.view.live_update is None  # no stale labels over a dead picture
    shot(qtbot, page, artifacts_dir / "camera_disconnected.png")
    # Still usable: open something else; the dead camera is released first.
    page.start_source(VideoFileSource(shelf_clip.path))
    qtbot.waitUntil(lambda: page.state == "live", timeout=WAIT_MS)
    assert inner._cap is None
    qtbot.waitUntil(lambda: page.view.live_update is not None, timeout=WAIT_MS)


def test_a_camera_that_comes_back_recovers_by_itself(make_page, qtbot, shelf_clip) -> None:
    page = make_page()
    page.show()
    states: list[str] = []
    page.state_changed.connect(states.append)
    src = DisconnectingSource(VideoFileSource(shelf_clip.path), disconnect_after=6,
                              reconnect_attempts=3)
    page.start_source(src)
    qtbot.waitUntil(lambda: "disconnected" in states and page.state in ("live", "ended"),
                    timeout=WAIT_MS)
    assert states[states.index("disconnected") + 1] == "live"
    assert page.view.banner == "" or page.state == "ended"


def test_a_busy_camera_says_so_and_can_be_retried(make_page, qtbot, artifacts_dir) -> None:
    page = make_page([CameraInfo("0", "Test camera")], busy=True)
    page.show()
    qtbot.waitUntil(lambda: page.state == "error", timeout=WAIT_MS)
    assert page.message.heading.text() == "The camera is busy or not allowed"
    assert "in use" in page.message.text.text()
    assert page.message.retry_button.isVisible() and page.message.open_button.isVisible()
    shot(qtbot, page, artifacts_dir / "camera_busy.png")
    qtbot.mouseClick(page.message.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.state == "error" and not page.is_running(), timeout=WAIT_MS)


def test_leaving_camera_mode_releases_the_device(make_page, qtbot) -> None:
    page = make_page([CameraInfo("0", "Test camera")])
    page.show()
    qtbot.waitUntil(lambda: page.state == "live", timeout=WAIT_MS)
    page.hide()
    qtbot.waitUntil(lambda: not page.is_running(), timeout=WAIT_MS)
    assert page.test_log == ["open 0", "close 0"]


def test_switching_cameras_releases_the_previous_one_first(make_page, qtbot) -> None:
    page = make_page([CameraInfo("0", "Test camera"), CameraInfo("1", "Other camera")])
    page.show()
    qtbot.waitUntil(lambda: page.state == "live", timeout=WAIT_MS)
    assert page.device_combo.count() == 2
    page.device_combo.setCurrentIndex(1)
    page.device_combo.activated.emit(1)  # what a user's pick sends
    qtbot.waitUntil(lambda: page.test_log[-1:] == ["open 1"], timeout=WAIT_MS)
    assert page.test_log == ["open 0", "close 0", "open 1"]


def test_a_camera_plugged_in_later_is_used(make_page, qtbot) -> None:
    page = make_page()
    page.show()
    qtbot.waitUntil(lambda: page.state == "no-camera", timeout=WAIT_MS)
    page.test_cams.append(CameraInfo("0", "Test camera"))
    page.watcher.refresh()
    qtbot.waitUntil(lambda: page.state == "live", timeout=WAIT_MS)
    assert page.device_combo.currentText() == "Test camera"


def test_camera_mode_in_the_window_opens_and_releases(qtbot, tmp_path) -> None:
    """Camera mode (Ctrl+K) in the real window: the camera page replaces the placeholder;
    on this machine there is no camera, so it shows the empty state; leaving releases it."""
    from tests.support.gui_helpers import ScriptedRecognizer, open_window, temp_settings

    window = open_window(qtbot, temp_settings(tmp_path),
                         lambda threads: ScriptedRecognizer(threads))
    page = window.camera_page
    assert isinstance(page, CameraPage)
    assert window.camera_action.isEnabled()
    assert window.camera_action.shortcut().toString() == "Ctrl+K"
    window.camera_action.trigger()  # what Ctrl+K does (offscreen windows get no key focus)
    assert window.pages.currentWidget() is page and page.isVisible()
    if page.watcher.cameras:
        pytest.skip("this machine has a camera; the no-camera state cannot be shown")
    qtbot.waitUntil(lambda: page.state == "no-camera", timeout=WAIT_MS)
    assert page.message.open_button.isVisible()
    window.camera_action.trigger()
    assert window.pages.currentWidget() is window.empty_state
    assert not page.is_running()
    window.session.wait_idle(WAIT_MS)


def test_photo_tools_rest_in_camera_mode_and_no_camera_leads_back(scripted_window, qtbot,
                                                                  tmp_path) -> None:
    """The photo is hidden in camera mode: its tools and queue position go quiet, and the
    "No camera found" page has its own way back to the photos."""
    from tests.support.gui_helpers import wait_for_result, write_photo

    window = scripted_window
    window.open_paths([str(write_photo(tmp_path / f"p{i}.png", seed=i)) for i in range(2)])
    wait_for_result(qtbot, window)
    photo_tools = [window.draw_action, window.whole_photo_action, window.fit_action,
                   window.zoom_in_action, window.next_action]
    assert all(a.isEnabled() for a in photo_tools)
    assert window.position_label_action.isVisible()

    window.camera_action.trigger()
    page = window.camera_page
    assert window.pages.currentWidget() is page
    assert not any(a.isEnabled() for a in photo_tools)
    assert not window.position_label_action.isVisible()  # no "Photo 1 of 2" over a camera
    if page.watcher.cameras:
        pytest.skip("this machine has a camera; the no-camera state cannot be shown")
    qtbot.waitUntil(lambda: page.state == "no-camera", timeout=WAIT_MS)
    assert page.message.back_button.isVisible()
    page.message.back_button.click()
    assert window.pages.currentWidget() is window.splitter
    assert not window.camera_action.isChecked()
    assert all(a.isEnabled() for a in photo_tools)
    assert window.position_label_action.isVisible()
    assert not page.is_running()


def test_a_frozen_frame_can_be_kept_as_a_photo(scripted_window, qtbot, shelf_clip,
                                               artifacts_dir) -> None:
    from tests.support.gui_helpers import wait_for_result

    window = scripted_window
    qtbot.waitUntil(lambda: window.session.model_state == "ready", timeout=WAIT_MS)
    window.camera_action.trigger()
    page = window.camera_page
    page.start_source(VideoFileSource(shelf_clip.path, speed=0.5))
    qtbot.waitUntil(lambda: page.state == "live" and page.view.has_frame(), timeout=WAIT_MS)
    # The teach dialog's "Capture" takes the camera's newest frame.
    captured = window.teaching.capture()
    assert captured is not None
    assert captured.shape == (shelf_clip.height, shelf_clip.width, 3)
    with qtbot.waitSignal(page.frozen_result, timeout=WAIT_MS):
        page.freeze_action.trigger()
    assert page.keep_button.isVisible()
    shot(qtbot, window, artifacts_dir / "camera_frozen_in_window.png")
    qtbot.mouseClick(page.keep_button, Qt.MouseButton.LeftButton)
    # Back in photo mode with the frame queued and identified; the camera is released.
    assert not window.camera_action.isChecked()
    result = wait_for_result(qtbot, window)
    assert (result.width, result.height) == (shelf_clip.width, shelf_clip.height)
    assert len(result.figurines) == 2  # the scripted recognizer's two figurines
    qtbot.waitUntil(lambda: not page.is_running(), timeout=WAIT_MS)


def test_the_last_frame_of_a_clip_can_be_frozen(make_page, qtbot, shelf_clip) -> None:
    page = make_page()
    page.show()
    page.start_source(VideoFileSource(shelf_clip.path, speed=3.0))
    qtbot.waitUntil(lambda: page.state == "ended", timeout=WAIT_MS)
    assert page.freeze_button.isEnabled()
    with qtbot.waitSignal(page.frozen_result, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(page.freeze_button, Qt.MouseButton.LeftButton)
    assert (blocker.args[0].width, blocker.args[0].height) == (shelf_clip.width,
                                                               shelf_clip.height)
    qtbot.mouseClick(page.freeze_button, Qt.MouseButton.LeftButton)
    assert page.state == "ended" and not page.is_frozen()


def test_a_page_deleted_while_running_releases_the_camera(qtbot, tmp_path, recognizer,
                                                          shelf_clip) -> None:
    page = CameraPage(lambda: RecognizerEngine(recognizer),
                      watcher=CameraWatcher(lister=list),
                      settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    log: list[str] = []
    cam = FakeCamera("0", shelf_clip.path, log)
    page.start_source(cam)
    qtbot.waitUntil(lambda: log == ["open 0"], timeout=WAIT_MS)
    page.deleteLater()  # e.g. the window went away without leaving camera mode first
    qtbot.waitUntil(lambda: log == ["open 0", "close 0"], timeout=WAIT_MS)
