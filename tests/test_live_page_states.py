"""Camera page states a user sees when things go wrong or pause: unexpected source
errors, a minimised window, Freeze before the model has loaded, video wording, the end of
a clip, the status line, damaged files and photos opened as videos (pytest-qt, offscreen).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt, QTimer

from fmf_desktop._qt.camera_devices import CameraWatcher
from fmf_desktop._qt.camera_page import CameraPage
from fmf_desktop._qt.camera_view import CameraView
from fmf_desktop.live.pipeline import LiveFigurine, LiveUpdate, RecognizerEngine
from fmf_desktop.live.sources import Frame, FrameSource, VideoFileSource
from fmf_desktop.recognition import Recognizer
from fmf_desktop.results import Box, CharacterInfo
from tests.support.gui_helpers import ScriptedRecognizer

WAIT_MS = 20000


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer()


class CountingSource(FrameSource):
    """A "camera" of grey frames that counts how often it is read (at ~30 fps); after
    `explode_after` reads it raises an error nobody anticipated (a driver bug)."""

    live = True

    def __init__(self, explode_after: int | None = None) -> None:
        self.name = "Counting camera"
        self.reads = 0
        self.explode_after = explode_after
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def open(self) -> None:
        pass

    def read(self) -> Frame | None:
        with self._lock:
            self.reads += 1
            n = self.reads
        if self.explode_after is not None and n > self.explode_after:
            raise RuntimeError("cv2.error: (-215) !_src.empty() in function 'cvtColor'")
        self._stop.wait(1 / 30)
        rgb = np.full((120, 160, 3), 90, np.uint8)
        return Frame(n, n / 30, rgb, 0.0)

    def close(self) -> None:
        pass


@pytest.fixture
def make_page(qtbot, tmp_path, recognizer):
    pages = []

    def make(*, identify=None, **extra) -> CameraPage:
        page = CameraPage(
            engine_factory=lambda: RecognizerEngine(recognizer),
            identify=identify or (lambda rgb: recognizer.identify(rgb)),
            **extra,
            watcher=CameraWatcher(lister=list),
            settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
            retry_interval=0.05,
        )
        qtbot.addWidget(page)
        page.resize(1000, 600)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.shutdown()


def test_an_unexpected_source_error_shows_the_camera_error_page(make_page, qtbot,
                                                                 artifacts_dir) -> None:
    page = make_page()
    page.show()
    page.start_source(CountingSource(explode_after=10))
    qtbot.waitUntil(lambda: page.state == "error", timeout=WAIT_MS)
    assert page.stack.currentWidget() is page.message
    assert page.message.heading.text() == "The camera stopped"
    text = page.message.text.text()
    assert "Counting camera" in text and "!_src.empty()" in text
    assert "RuntimeError" not in text
    assert page.message.retry_button.isVisible()
    assert "Try again" in page.message.retry_button.text()
    # The line under the picture tells the same story, not a live-looking rate.
    assert "updates/s" not in page.status_line.text()
    assert "stopped unexpectedly" in page.status_line.text()
    qtbot.wait(50)
    page.grab().save(str(artifacts_dir / "camera_unexpected_error.png"))


def test_a_minimised_window_stops_reading_and_recognising_until_restored(make_page,
                                                                          qtbot) -> None:
    page = make_page()
    page.show()
    source = CountingSource()
    page.start_source(source)
    qtbot.waitUntil(lambda: page.state == "live" and source.reads > 3, timeout=WAIT_MS)

    page.window().setWindowState(Qt.WindowState.WindowMinimized)
    qtbot.waitUntil(page.reading_paused, timeout=WAIT_MS)
    reads = source.reads
    # No event says "a frame was not read", so watch for a dozen of the source's frame
    # intervals (counted by a timer at its rate, not a fixed sleep): a running camera
    # would have been read about that often.
    intervals = _count_frame_intervals(page)
    qtbot.waitUntil(lambda: intervals.ticks >= 12, timeout=WAIT_MS)
    assert source.reads == reads
    assert page.is_running()  # the camera is kept for when the user comes back
    assert "minimised" in page.status_line.text()

    page.window().setWindowState(Qt.WindowState.WindowNoState)
    qtbot.waitUntil(lambda: source.reads > reads + 3, timeout=WAIT_MS)
    assert "minimised" not in page.status_line.text()


class _IntervalCounter(QTimer):
    def __init__(self, parent) -> None:
        super().__init__(parent)
        self.ticks = 0
        self.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.ticks += 1


def _count_frame_intervals(page: CameraPage) -> _IntervalCounter:
    """A running count of CountingSource's frame intervals (1/30 s), from now on."""
    counter = _IntervalCounter(page)
    counter.start(1000 // 30)
    return counter


def test_freeze_waits_for_the_model_and_failures_read_like_messages(make_page,
                                                                    qtbot) -> None:
    ready = False

    def identify(rgb):
        raise RuntimeError("the model file went away")

    page = make_page(identify=identify, model_ready=lambda: ready)
    page.show()
    page.start_source(CountingSource())
    qtbot.waitUntil(lambda: page.state == "live" and page.view.has_frame(), timeout=WAIT_MS)
    assert not page.freeze_button.isEnabled() and not page.freeze_action.isEnabled()
    assert "model" in page.freeze_button.toolTip()
    page.freeze_action.trigger()  # a disabled action does nothing
    assert not page.is_frozen()

    ready = True
    page.refresh_engine()  # what the window does when the model has loaded
    assert page.freeze_button.isEnabled()
    qtbot.mouseClick(page.freeze_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.results_panel.heading.text() == "Cannot identify",
                    timeout=WAIT_MS)
    shown = page.results_panel.findChildren(type(page.status_line))
    texts = " ".join(label.text() for label in shown)
    assert "the model file went away" in texts
    assert "RuntimeError" not in texts and "Traceback" not in texts


def test_a_missing_video_is_called_a_video(make_page, qtbot, tmp_path) -> None:
    page = make_page()
    page.show()
    page.start_video(str(tmp_path / "holiday.mp4"))
    qtbot.waitUntil(lambda: page.state == "error", timeout=WAIT_MS)
    assert page.message.heading.text() == "Video not found"
    assert "Camera" not in page.message.heading.text()


def test_a_clip_that_ended_stays_ended_after_freeze_and_can_play_again(
        make_page, qtbot, shelf_clip, artifacts_dir) -> None:
    # Always two figurines in the frozen frame, whatever the bundled model sees.
    page = make_page(identify=ScriptedRecognizer().identify)
    page.show()
    page.start_source(VideoFileSource(shelf_clip.path, speed=3.0))
    qtbot.waitUntil(lambda: page.state == "ended", timeout=WAIT_MS)
    assert page.view.banner.startswith("End of")
    assert page.replay_button.isVisible()
    assert "Ended" in page.status_line.text() and "updates/s" not in page.status_line.text()
    # The side panel no longer says "Live", and the banner sits at the picture's bottom
    # edge, off the figurines' names in the middle.
    assert page.results_panel.heading.text() == "Ended"
    assert "has ended" in page.results_panel.explanation.text()
    banner, picture = page.view.banner_rect(), page.view.picture_rect()
    assert banner.top() > picture.center().y() and banner.bottom() <= picture.bottom()

    with qtbot.waitSignal(page.frozen_result, timeout=WAIT_MS):
        qtbot.mouseClick(page.freeze_button, Qt.MouseButton.LeftButton)
    assert "Frozen" in page.status_line.text()
    # Nothing is live: the way back is to the ended video.
    assert "Back to the video" in page.freeze_button.text()
    assert "live" not in page.status_line.text()
    # The boxes are numbered like the list beside the picture.
    page.view.grab()
    first_lines = [lines[0] for _tag, lines in page.view.painted_tags]
    assert [line[:3] for line in first_lines] == ["1. ", "2. "]
    qtbot.mouseClick(page.freeze_button, Qt.MouseButton.LeftButton)  # resume
    # Still the end of the clip, and it says so: not a still frame passing for live.
    assert page.state == "ended"
    assert page.view.banner.startswith("End of")
    assert page.replay_button.isVisible()
    assert "Ended" in page.status_line.text()
    qtbot.wait(50)
    page.grab().save(str(artifacts_dir / "camera_ended_after_freeze.png"))

    qtbot.mouseClick(page.replay_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.state == "live", timeout=WAIT_MS)
    assert page.view.banner == ""
    assert not page.replay_button.isVisible()
    qtbot.waitUntil(lambda: page.state == "ended", timeout=WAIT_MS)  # played to the end


def test_the_toolbar_stays_in_place_when_frozen(make_page, qtbot) -> None:
    page = make_page()
    page.show()
    page.start_source(CountingSource())
    qtbot.waitUntil(lambda: page.state == "live" and page.view.has_frame(), timeout=WAIT_MS)
    before = (page.device_combo.geometry(), page.open_video_button.geometry())
    with qtbot.waitSignal(page.frozen_result, timeout=WAIT_MS):
        qtbot.mouseClick(page.freeze_button, Qt.MouseButton.LeftButton)
    keep, freeze = page.keep_button, page.freeze_button
    # Laid out once "Keep as photo" has its place, between the left-hand buttons and
    # Freeze (before that it has a hidden widget's default geometry at the top left).
    qtbot.waitUntil(lambda: keep.isVisible()
                    and keep.geometry().left() > page.open_video_button.geometry().right()
                    and keep.geometry().right() < freeze.geometry().left(), timeout=WAIT_MS)
    assert (page.device_combo.geometry(), page.open_video_button.geometry()) == before


def test_the_status_line_says_stopped_after_a_stop(make_page, qtbot) -> None:
    page = make_page()
    page.show()
    page.start_source(CountingSource())
    qtbot.waitUntil(lambda: page.view.live_update is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "figurine" in page.status_line.text(), timeout=WAIT_MS)
    page.stop()
    qtbot.waitUntil(lambda: not page.is_running(), timeout=WAIT_MS)
    assert "Stopped" in page.status_line.text()
    assert "figurine" not in page.status_line.text()


def test_a_damaged_video_says_so_instead_of_ending_normally(make_page, qtbot, shelf_clip,
                                                            tmp_path) -> None:
    data = shelf_clip.path.read_bytes()
    damaged = tmp_path / "damaged.avi"
    damaged.write_bytes(data[: len(data) * 4 // 10])  # a download cut short
    page = make_page()
    page.show()
    page.start_video(str(damaged))
    qtbot.waitUntil(lambda: page.state in ("ended", "error"), timeout=WAIT_MS)
    assert page.state == "error"
    assert page.message.heading.text() == "The video is damaged"
    assert f"of {shelf_clip.frames}" in page.message.text.text()
    _assert_a_file_error_offers_another_video(page, "damaged.avi")


def _assert_a_file_error_offers_another_video(page: CameraPage, name: str) -> None:
    message = page.message
    # Trying the same file again cannot help: another video or the photos can.
    assert not message.retry_button.isVisible()
    assert message.open_button.isVisible() and "another video" in message.open_button.text()
    assert message.back_button.isVisible()
    # The page explains; the status line under it only names what happened.
    assert name in page.status_line.text()
    assert len(page.status_line.text()) < 50
    # Lines of a readable length, all of them shown.
    text = message.text
    assert text.width() <= text.fontMetrics().averageCharWidth() * 80
    assert text.height() >= text.heightForWidth(text.width())


def test_a_file_that_is_no_video_says_so_in_plain_words(make_page, qtbot, tmp_path) -> None:
    bad = tmp_path / "notes.avi"
    bad.write_text("not a video")
    page = make_page()
    page.show()
    page.start_video(str(bad))
    qtbot.waitUntil(lambda: page.state == "error", timeout=WAIT_MS)
    assert page.message.heading.text() == "Video cannot be played"
    assert page.message.text.text() == (
        "notes.avi cannot be played: it is not a video this app can read, or it is damaged.")
    assert page.status_line.text() == "Cannot play notes.avi"
    _assert_a_file_error_offers_another_video(page, "notes.avi")


def test_a_photo_opened_as_a_video_points_to_the_photo_view(make_page, qtbot,
                                                            tmp_path) -> None:
    import cv2

    photo = tmp_path / "shelf.jpg"
    cv2.imwrite(str(photo), np.full((240, 320, 3), 128, np.uint8))
    page = make_page()
    page.show()
    page.start_video(str(photo))
    qtbot.waitUntil(lambda: page.state == "error", timeout=WAIT_MS)
    assert "photo" in page.message.heading.text()
    assert "photo" in page.message.text.text()
    assert page.device_combo.currentText() == "Photo: shelf.jpg"
    with qtbot.waitSignal(page.photo_requested, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(page.message.retry_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [str(photo)]


# -- labels over the picture -------------------------------------------------------------

def _figurine(track: int, box: Box, name: str, decision: str = "known", score: float = 0.9,
              vx: float = 0.0, vy: float = 0.0) -> LiveFigurine:
    character = CharacterInfo(id=name.lower().replace(" ", "_"), name=name,
                              franchise="test")
    return LiveFigurine(track, box, character, score, decision, (), vx, vy, 0)


def test_boxes_and_labels_stay_inside_the_picture(qtbot, artifacts_dir) -> None:
    view = CameraView()
    qtbot.addWidget(view)
    view.resize(900, 300)  # a 16:9 frame in a wide view: black bars left and right
    view.show()
    frame = np.full((1080, 1920, 3), 90, np.uint8)
    from PySide6.QtGui import QImage

    image = QImage(frame.data, 1920, 1080, 1920 * 3, QImage.Format.Format_RGB888).copy()
    figs = (
        _figurine(1, Box(0, 0, 200, 200), "Top Left Corner"),
        _figurine(2, Box(1800, 0, 120, 120), "Elizabeth Rose Bloodflame", "unsure", 0.41),
        _figurine(3, Box(1850, 950, 70, 130), "Bottom Right"),
        # Moving fast: extrapolated for 0.4 s, these would leave the frame.
        _figurine(4, Box(800, 1000, 150, 80), "Koseki Bijou", vx=2000, vy=600),
        _figurine(5, Box(10, 900, 80, 180), "Hakos Baelz", "unsure", 0.3, vx=-3000),
    )
    view.set_frame(image, 1920, 1080, 0.4)
    view.set_live(LiveUpdate(0, 0.0, 0.0, 0.0, 1920, 1080, figs, 0, 0))
    qtbot.wait(50)
    grab = view.grab()
    grab.save(str(artifacts_dir / "camera_labels_at_edges.png"))
    picture = view.picture_rect()
    tags = view.painted_tags
    assert len(tags) == len(figs)
    for tag, _lines in tags:
        assert picture.adjusted(-0.5, -0.5, 0.5, 0.5).contains(tag), (tag, picture)
    # The letterbox bars stay plain: nothing drawn on them.
    pixels = grab.toImage()
    ratio = pixels.devicePixelRatio()
    for x in (5, int(picture.left()) - 5, int(picture.right()) + 5, view.width() - 5):
        for y in range(0, view.height(), 7):
            color = pixels.pixelColor(round(x * ratio), round(y * ratio))
            assert (color.red(), color.green(), color.blue()) == (24, 24, 24), (x, y)


def test_a_small_not_sure_box_keeps_the_name_readable(qtbot) -> None:
    view = CameraView()
    qtbot.addWidget(view)
    view.resize(870, 490)
    view.show()
    from PySide6.QtGui import QImage

    frame = np.full((2160, 3840, 3), 90, np.uint8)
    image = QImage(frame.data, 3840, 2160, 3840 * 3, QImage.Format.Format_RGB888).copy()
    # A far-away figurine in a 4K frame: about 80 px wide on screen.
    fig = _figurine(1, Box(1800, 1000, 350, 350), "Watson Amelia", "unsure", 0.41)
    view.set_frame(image, 3840, 2160, 0.0)
    view.set_live(LiveUpdate(0, 0.0, 0.0, 0.0, 3840, 2160, (fig,), 0, 0))
    qtbot.wait(50)
    view.grab()
    (_, lines), = view.painted_tags
    assert lines == ["Not sure", "Watson Amelia? 41%"]


def test_a_stop_does_not_wait_for_a_camera_stuck_opening(recognizer) -> None:
    """Quitting while a camera hangs in open() (a flaky USB hub) must not wait for it."""
    from fmf_desktop.live.pipeline import LivePipeline

    release = threading.Event()
    opening = threading.Event()

    class StuckOpening(CountingSource):
        def open(self) -> None:
            opening.set()
            release.wait(30)

    pipeline = LivePipeline(StuckOpening(), None)
    waited: list[float | None] = []
    real_wait = pipeline.wait
    pipeline.wait = lambda timeout=None: waited.append(timeout) or real_wait(timeout)
    pipeline.start()
    assert opening.wait(10)
    pipeline.stop(timeout=5.0)
    try:
        assert waited and waited[0] is not None and waited[0] < 1.0
    finally:
        release.set()
    assert pipeline.wait(10)  # and it does let go once open() returns
    assert not pipeline.running
