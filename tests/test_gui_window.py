"""The main window: getting photos in (drop, paste, open, recent), results and errors."""
# Fixtures are imported from tests/support/gui_helpers.py; test arguments "redefine" them.
# ruff: noqa: F811

from __future__ import annotations

import threading

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QTextDocumentFragment,
)
from PySide6.QtWidgets import QApplication, QLabel

from tests.support.gui_helpers import (  # noqa: F401 - fixtures
    WAIT_MS,
    ScriptedRecognizer,
    gui_settings,
    open_window,
    real_window,
    sample_photo,
    screenshot,
    scripted_window,
    shared_recognizer,
    wait_for_result,
    write_photo,
)


def drop(window, mime: QMimeData) -> bool:
    """Deliver a real drag-enter + drop to the window; returns whether it was accepted."""
    pos = QPoint(window.width() // 2, window.height() // 2)
    actions = Qt.DropAction.CopyAction
    # QPoint: the one constructor every supported PySide6 (6.6+) has.
    enter = QDragEnterEvent(pos, actions, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(QPointF(pos), actions, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    return True


def file_mime(*paths) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def test_empty_window_tells_a_new_user_what_to_do(scripted_window, artifacts_dir):
    window = scripted_window
    assert window.pages.currentWidget() is window.empty_state
    hint = window.empty_state.hint.text()
    assert "Drag" in hint and "Ctrl+V" in hint and "Ctrl+O" in hint
    assert window.empty_state.open_button.isVisible()
    assert window.empty_state.camera_button.isVisible()  # camera mode is available
    screenshot(window, artifacts_dir / "gui_empty.png")


def test_dropping_a_file_shows_results(real_window, qtbot, artifacts_dir):
    window = real_window
    assert drop(window, file_mime(sample_photo()))
    result = wait_for_result(qtbot, window)
    assert window.pages.currentWidget() is window.splitter
    assert result.figurines, "the sample photo should give at least one figurine"
    # One labelled box per figurine on the photo, and the top-5 in the panel.
    assert len(window.canvas.box_items) == len(result.figurines)
    panel = window.results_panel
    classes = len(window.session.recognizer.classes)
    assert len(panel.rows) == min(5, classes)
    best = result.figurines[0].best
    expected = "Not sure" if result.figurines[0].decision == "unsure" else best.name
    assert panel.heading.text() == expected
    assert panel.shop_buttons, "shop buttons for the best match"
    screenshot(window, artifacts_dir / "gui_result_real_model.png")


def test_results_show_names_confidence_and_not_sure(scripted_window, tmp_path, qtbot,
                                                    artifacts_dir):
    window = scripted_window
    window.open_paths([str(sample_photo())])
    result = wait_for_result(qtbot, window)
    panel = window.results_panel
    known, unsure = result.figurines
    assert panel.heading.text() == known.best.name
    assert panel.subheading.text() == known.best.franchise
    assert panel.rows[0].bar.text() == "87%"
    assert [r.candidate.name for r in panel.rows] == [c.name for c in known.top]
    screenshot(window, artifacts_dir / "gui_result.png")

    window.canvas.figurine_selected.emit(1)  # what a click on the second box does
    assert panel.heading.text() == "Not sure"
    assert unsure.best.name in panel.explanation.text()
    assert window.canvas.box_items[1].label.text().startswith("2. Not sure")
    screenshot(window, artifacts_dir / "gui_result_not_sure.png")


def test_several_dropped_files_queue_up_with_next_and_previous(scripted_window, tmp_path,
                                                              qtbot):
    window = scripted_window
    paths = [write_photo(tmp_path / f"p{i}.png", seed=i) for i in range(3)]
    mime = file_mime(*paths)  # kept in a variable: the event does not own it
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert window.statusBar().currentMessage() == "Release to open 3 photos"
    assert drop(window, mime)
    assert len(window.session.items) == 3
    assert "Photo 1 of 3" in window.position_label.text()
    for i in range(3):
        wait_for_result(qtbot, window, i)
    assert window.windowTitle().startswith("p0.png")
    # Memory stays bounded: finished photos the user is not looking at keep only results.
    assert [it.loaded is not None for it in window.session.items] == [True, False, False]
    window.next_action.trigger()
    assert "Photo 2 of 3" in window.position_label.text()
    assert window.windowTitle().startswith("p1.png")
    # Finished photos the user is not looking at give their pixels back; they reopen.
    qtbot.waitUntil(lambda: window.canvas.has_image(), timeout=WAIT_MS)
    window.next_action.trigger()
    assert not window.next_action.isEnabled()
    window.prev_action.trigger()
    assert "Photo 2 of 3" in window.position_label.text()
    qtbot.waitUntil(lambda: window.canvas.has_image(), timeout=WAIT_MS)
    assert len(window.canvas.box_items) == 2


def test_corrupt_file_shows_an_error_and_the_window_keeps_working(scripted_window, tmp_path,
                                                                  qtbot, artifacts_dir):
    window = scripted_window
    broken = tmp_path / "broken-figure.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    assert drop(window, file_mime(broken))
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.error_view, timeout=WAIT_MS)
    assert "broken-figure.jpg" in window.error_view.message.text()
    screenshot(window, artifacts_dir / "gui_error.png")
    assert str(broken) not in window.settings.recent_files()

    good = write_photo(tmp_path / "good.png")
    assert drop(window, file_mime(good))
    result = wait_for_result(qtbot, window)
    assert window.pages.currentWidget() is window.splitter
    assert len(result.figurines) == 2
    window.prev_action.trigger()  # the broken photo still explains itself
    assert window.pages.currentWidget() is window.error_view


def test_a_damaged_file_is_explained_in_plain_words(scripted_window, tmp_path, qtbot):
    window = scripted_window
    broken = tmp_path / "broken-figure.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    window.open_paths([str(broken)])
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.error_view, timeout=WAIT_MS)
    view = window.error_view
    # The decoder's words ("Truncated File Read") are a detail, not the sentence.
    assert view.message.text().endswith("broken-figure.jpg: the file is incomplete or damaged")
    assert "Truncated" not in view.message.text()
    assert view.details.isVisible() and "Truncated File Read" in view.details.text()


def test_paste_an_image_from_the_clipboard(scripted_window, qtbot):
    window = scripted_window
    image = QImage(320, 240, QImage.Format.Format_RGB32)
    image.fill(QColor("#6a8caf"))
    QGuiApplication.clipboard().setImage(image)
    window.paste_action.trigger()
    result = wait_for_result(qtbot, window)
    assert (result.width, result.height) == (320, 240)
    assert window.windowTitle().startswith("Pasted image 1")
    assert window.canvas.has_image()


def test_paste_a_copied_file_path(scripted_window, tmp_path, qtbot):
    window = scripted_window
    path = write_photo(tmp_path / "copied.png")
    QGuiApplication.clipboard().setText(str(path))
    window.paste_action.trigger()
    wait_for_result(qtbot, window)
    assert window.windowTitle().startswith("copied.png")


def test_paste_without_an_image_explains_itself(scripted_window):
    window = scripted_window
    QGuiApplication.clipboard().setText("just some words")
    window.paste_action.trigger()
    assert "no image" in window.message_bar.text()
    assert window.session.items == []


def test_dropped_web_address_asks_to_save_the_image_first(scripted_window, artifacts_dir):
    window = scripted_window
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.com/figure.jpg")])
    assert drop(window, mime)
    text = window.message_bar.text()
    assert "Save the image" in text and "never downloads" in text
    assert window.session.items == []
    assert window.pages.currentWidget() is window.empty_state
    screenshot(window, artifacts_dir / "gui_web_url.png")


def test_window_appears_before_the_model_has_loaded(qtbot, gui_settings, tmp_path):
    gate = threading.Event()
    window = open_window(qtbot, gui_settings, lambda t: ScriptedRecognizer(t, gate=gate))
    try:
        assert window.isVisible()
        assert window.session.model_state == "loading"
        window.open_paths([str(write_photo(tmp_path / "early.png"))])
        qtbot.waitUntil(lambda: window.canvas.has_image(), timeout=WAIT_MS)
        assert window.results_panel.heading.text() == "Waiting for the model…"
        assert window.progress.isVisible()
    finally:
        gate.set()
    result = wait_for_result(qtbot, window)
    assert len(result.figurines) == 2
    window.session.wait_idle(WAIT_MS)


def test_model_that_fails_to_load_is_reported_and_photos_still_open(qtbot, gui_settings,
                                                                    tmp_path):
    def broken(_threads):
        raise RuntimeError("model.tflite is damaged")

    window = open_window(qtbot, gui_settings, broken)
    qtbot.waitUntil(lambda: window.session.model_state == "failed", timeout=WAIT_MS)
    assert "model.tflite is damaged" in window.message_bar.text()
    window.open_paths([str(write_photo(tmp_path / "x.png"))])
    qtbot.waitUntil(lambda: window.canvas.has_image(), timeout=WAIT_MS)
    assert window.results_panel.heading.text() == "Cannot identify"


def test_recent_files_menu_reopens_photos_and_drops_missing_ones(scripted_window, tmp_path,
                                                                 qtbot):
    window = scripted_window
    path = write_photo(tmp_path / "shelf.png")
    window.open_paths([str(path)])
    wait_for_result(qtbot, window)
    window.recent_menu.aboutToShow.emit()
    entries = [a for a in window.recent_menu.actions() if "shelf.png" in a.text()]
    assert len(entries) == 1
    path.unlink()
    entries[0].trigger()
    assert "no longer exists" in window.message_bar.text()
    assert window.settings.recent_files() == []


def test_a_startup_warning_stays_when_photos_are_opened(qtbot, gui_settings, tmp_path,
                                                       monkeypatch):
    # An unusable library: its file is a folder. The window warns at startup...
    data = tmp_path / "data"
    (data / "library.sqlite3").mkdir(parents=True)
    monkeypatch.setenv("FMF_DATA_DIR", str(data))
    window = open_window(qtbot, gui_settings, lambda threads: ScriptedRecognizer(threads))
    warning = window.message_bar.text()
    assert warning, "the unusable library is reported"
    # ...and the warning is still there after opening a photo (as with `fmf-desktop PHOTO`).
    window.open_paths([str(write_photo(tmp_path / "shelf.png"))])
    wait_for_result(qtbot, window)
    assert window.message_bar.text() == warning
    # A notice about one action covers it for a while; the next photo clears the notice
    # and the warning shows again, until the user closes it.
    QGuiApplication.clipboard().setText("just some words")
    window.paste_action.trigger()
    assert "no image" in window.message_bar.text()
    window.open_paths([str(write_photo(tmp_path / "second.png", seed=1))])
    assert window.message_bar.text() == warning
    window.message_bar.close_button.click()
    assert window.message_bar.text() == ""
    window.session.wait_idle(WAIT_MS)


class CountingMime(QMimeData):
    """Mime data that counts how often the dropped picture itself is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.image_requests = 0

    def retrieveData(self, mime_type, preferred_type):  # noqa: N802 - Qt override
        if mime_type == "application/x-qt-image":
            self.image_requests += 1
        return super().retrieveData(mime_type, preferred_type)


def test_dragging_over_the_window_neither_lists_folders_nor_decodes(scripted_window,
                                                                     tmp_path, monkeypatch):
    import fmf_desktop._qt.input_sources as input_sources
    import fmf_desktop._qt.main_window as main_window

    listed = []
    real_expand = input_sources.expand_paths

    def counting_expand(paths):
        listed.append(paths)
        return real_expand(paths)

    monkeypatch.setattr(input_sources, "expand_paths", counting_expand)
    monkeypatch.setattr(main_window, "expand_paths", counting_expand)
    window = scripted_window
    folder = tmp_path / "shelf photos"
    folder.mkdir()
    for name in ("a.png", "b.png"):
        write_photo(folder / name)
    pos = QPoint(window.width() // 2, window.height() // 2)
    mime = file_mime(folder)  # kept in a variable: the event does not own it
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    assert listed == [], "drag-enter must not list the folder"
    assert "folder" in window.statusBar().currentMessage()
    assert drop(window, mime)  # drag-enter again, then the drop: listed once, on the drop
    assert len(listed) == 1
    assert [it.label for it in window.session.items] == ["a.png", "b.png"]

    # Pasted/dropped picture data: converted on the drop only, not while dragging.
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("#6a8caf"))
    mime = CountingMime()
    mime.setImageData(image)
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    assert mime.image_requests == 0
    assert window.statusBar().currentMessage() == "Release to open 1 photo"


def test_dropping_a_folder_queues_the_photos_in_it(scripted_window, tmp_path, qtbot):
    window = scripted_window
    folder = tmp_path / "shelf photos"
    folder.mkdir()
    for name in ("b.jpg", "a.png"):
        write_photo(folder / name)
    (folder / "notes.txt").write_text("not a photo")
    assert drop(window, file_mime(folder))
    assert [it.label for it in window.session.items] == ["a.png", "b.jpg"]
    wait_for_result(qtbot, window, 1)


def test_decoding_and_identifying_run_off_the_gui_thread(qtbot, gui_settings, tmp_path,
                                                         monkeypatch):
    """What keeps the window responsive with a 50 MP photo: the slow steps never run on
    the GUI thread (speed itself is measured in benchmarks/bench_gui.py)."""
    import threading

    import fmf_desktop.imaging as imaging

    threads: dict[str, str] = {}
    real_load = imaging.load_image

    def load_image(*args, **kwargs):
        threads["decode"] = threading.current_thread().name
        return real_load(*args, **kwargs)

    class Recorder(ScriptedRecognizer):
        def identify(self, rgb, **kwargs):
            threads["identify"] = threading.current_thread().name
            return super().identify(rgb, **kwargs)

    def factory(t):
        threads["load model"] = threading.current_thread().name
        return Recorder(t)

    monkeypatch.setattr(imaging, "load_image", load_image)
    window = open_window(qtbot, gui_settings, factory)
    window.open_paths([str(write_photo(tmp_path / "photo.png"))])
    wait_for_result(qtbot, window)
    window.session.wait_idle(WAIT_MS)
    main = threading.main_thread().name
    assert set(threads) == {"decode", "identify", "load model"}
    assert main not in threads.values(), threads


def test_the_window_works_with_the_network_blocked(qtbot, gui_settings, monkeypatch,
                                                   shared_recognizer):
    """Loading the model, opening and identifying a photo never touch the network (only
    a shop click opens the browser)."""
    import socket

    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network blocked by the test")

    for name in ("socket", "create_connection", "getaddrinfo"):
        monkeypatch.setattr(socket, name, refuse)
    window = open_window(qtbot, gui_settings, lambda threads: shared_recognizer)
    assert drop(window, file_mime(sample_photo()))
    result = wait_for_result(qtbot, window)
    assert result.figurines and window.results_panel.shop_buttons
    window.session.wait_idle(WAIT_MS)
    assert attempts == []


def test_a_missing_model_file_is_named_in_the_message(qtbot, gui_settings, tmp_path):
    from fmf_desktop.recognition import Recognizer

    missing = tmp_path / "model.tflite"
    window = open_window(qtbot, gui_settings, lambda t: Recognizer(model_path=missing))
    qtbot.waitUntil(lambda: window.session.model_state == "failed", timeout=WAIT_MS)
    text = window.message_bar.text()
    assert "model.tflite" in text and "ModelLoadError" not in text


def test_a_photo_with_no_figurines_shows_no_empty_figurine_list(qtbot):
    """A blank photo: "No figurine found" stands alone, not under an empty list box that
    looks like something is still to come; the list is back for the next real result."""
    import numpy as np

    from fmf_desktop._qt.results_panel import ResultsPanel
    from fmf_desktop.results import Box, Figurine

    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.resize(400, 600)
    panel.show()
    top = ScriptedRecognizer()._top(0, 0.9)
    figurine = Figurine(Box(0, 0, 50, 50), top, np.zeros(8, np.float32), "known")
    panel.set_figurines([figurine], 0)
    assert panel.figurine_list.isVisible() and panel.list_title.isVisible()

    panel.set_figurines([], -1)
    assert panel.heading.text() == "No figurine found"
    assert not panel.figurine_list.isVisible()
    assert not panel.list_title.isVisible()
    assert "figurine\u2019s face" in panel.explanation.text()  # typographic, as elsewhere

    panel.set_figurines([figurine], 0)
    assert panel.figurine_list.isVisible() and panel.list_title.isVisible()


def _shown_bar(qtbot):
    from fmf_desktop._qt.message_bar import MessageBar

    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.resize(900, 60)
    bar.show()
    return bar


def _bar_text(bar) -> str:
    """The notice as it reads on screen, kind word and waiting note included."""
    return QTextDocumentFragment.fromHtml(bar.label.text()).toPlainText()


def test_notices_name_their_kind_and_a_covered_warning_is_mentioned(qtbot):
    """"Warning:" for what lasts, "Error:" for what the last action ran into, "Note:"
    otherwise; the word and the text are one line of text, so they share a baseline; a
    notice over a warning says there is another message under it."""
    bar = _shown_bar(qtbot)

    def shown() -> str:
        return _bar_text(bar)

    bar.show_message("The library cannot be opened.", "error")
    assert shown() == "Warning: The library cannot be opened."
    bar.show_message("That is a web address.", "error", transient=True)
    assert shown().startswith("Error: That is a web address.")
    assert "1 more message" in shown() and "1 more message" in bar.spoken_text()
    assert bar.text() == "That is a web address."
    bar.dismiss()
    assert shown() == "Warning: The library cannot be opened."
    bar.dismiss()
    assert not bar.isVisible()
    bar.show_message("The clipboard holds no image.", "info", transient=True)
    assert shown() == "Note: The clipboard holds no image."  # nothing waits under it
    assert bar.findChildren(QLabel) == [bar.label]


def test_a_second_warning_waits_under_the_first_instead_of_wiping_it(qtbot):
    """The startup "read-only library" warning must survive a later "settings cannot be
    saved" one: the newest shows, says how many wait under it, and closing it shows the
    one before. A warning said again is not listed twice."""
    bar = _shown_bar(qtbot)
    read_only = "This library can only be read."
    not_saved = "Your preferences cannot be saved."
    bar.show_message(read_only, "error")
    bar.show_message(not_saved, "error")
    assert _bar_text(bar).startswith(f"Warning: {not_saved}")
    assert "(1 more message: close this one to see it)" in _bar_text(bar)
    bar.show_message(not_saved, "error")  # said again
    assert "(1 more message" in _bar_text(bar)
    bar.show_message("That is a web address.", "error", transient=True)
    assert "(2 more messages: close this one to see the next)" in _bar_text(bar)
    assert "2 more messages" in bar.spoken_text()

    bar.close_button.click()
    assert bar.text() == not_saved and "1 more message" in _bar_text(bar)
    bar.close_button.click()
    assert bar.text() == read_only and _bar_text(bar) == f"Warning: {read_only}"
    bar.close_button.click()
    assert bar.text() == "" and not bar.isVisible()
