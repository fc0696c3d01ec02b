"""Teaching, correcting and collecting from the window, as a user would."""
# Fixtures are imported from tests/support/gui_helpers.py; test arguments "redefine" them.
# ruff: noqa: F811

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtWidgets import QMessageBox

from fmf_desktop.collection import Collection
from fmf_desktop.library import Library, NewExample
from tests.support import photos
from tests.support.gui_helpers import (  # noqa: F401 - fixtures
    WAIT_MS,
    gui_settings,
    open_window,
    real_window,
    screenshot,
    shared_recognizer,
    wait_for_result,
    write_photo,
)


def figure_photo(path, seed):
    """A made-up 'figure', bigger than the library tests' (coloured discs, our pixels)."""
    return photos.figure_photo(path, seed, size=(360, 300), centres=(40, 260), radii=(15, 80))


def library_of(window) -> Library:
    return window.teaching.library


def wait_taught(qtbot, window, action):
    with qtbot.waitSignal(window.teaching.taught, timeout=WAIT_MS) as blocker:
        action()
    return blocker.args[0]


def wait_thumbnails(qtbot, dialog):
    qtbot.waitUntil(lambda: dialog._pending == 0, timeout=WAIT_MS)


def test_teach_dialog_teaches_a_figure_that_is_then_recognised(real_window, qtbot, tmp_path,
                                                               artifacts_dir):
    window = real_window
    qtbot.waitUntil(lambda: window.session.model_state == "ready", timeout=WAIT_MS)
    photo = figure_photo(tmp_path / "dragon.png", 3)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff definitely not a jpeg")

    dialog = window.teaching.open_teach_dialog()
    assert not dialog.ok_button.isEnabled()  # no name, no photo yet
    dialog.add_photos([str(photo), str(broken)])
    wait_thumbnails(qtbot, dialog)
    assert dialog.photo_count() == 1  # the unreadable file is left out ...
    assert "broken.jpg" in dialog.problem_label.text()  # ... and the user is told why
    assert not dialog.ok_button.isEnabled()
    dialog.name_edit.setText("My Dragon")
    dialog.franchise_edit.setText("Homemade")
    assert dialog.ok_button.isEnabled()
    screenshot(dialog, artifacts_dir / "teach_dialog.png")
    assert wait_taught(qtbot, window, dialog.accept) == "My Dragon"

    (fig,) = library_of(window).figures()
    assert (fig.name, fig.franchise, fig.examples) == ("My Dragon", "Homemade", 1)
    # Recognition uses it at once, without retraining.
    window.open_paths([str(photo)])
    result = wait_for_result(qtbot, window)
    best = result.figurines[0].best
    assert (best.name, best.character.taught) == ("My Dragon", True)
    assert result.figurines[0].decision == "known"
    screenshot(window, artifacts_dir / "window_taught_result.png")


def test_a_blank_photo_is_left_out_when_added_and_named(qtbot, tmp_path):
    """The dialog says at once that a flat photo has nothing to teach, as the main window
    does, instead of counting it and leaving it out after "Teach"."""
    from fmf_desktop._qt.teach_dialog import TeachDialog

    photo = figure_photo(tmp_path / "dragon.png", 3)
    blank = tmp_path / "lens-cap.png"
    Image.new("RGB", (640, 480), (12, 12, 12)).save(blank)
    dialog = TeachDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name_edit.setText("My Dragon")
    dialog.add_photos([str(photo), str(blank)])
    wait_thumbnails(qtbot, dialog)
    assert dialog.photo_count() == 1
    assert dialog.request().photos == (str(photo),)
    assert "lens-cap.png: the photo is blank" in dialog.problem_label.text()
    assert dialog.hint_label.text().startswith("1 photo will be taught")

    # Said to show only the figure, a blank photo is taught as it is: kept, with a warning.
    dialog.whole_image.setChecked(True)
    dialog.add_photos([str(blank)])
    wait_thumbnails(qtbot, dialog)
    assert dialog.photo_count() == 2
    assert dialog.blank_warning.isVisible() and "lens-cap.png" in dialog.blank_warning.text()
    dialog.whole_image.setChecked(False)  # no longer taught whole: left out again
    assert dialog.request().photos == (str(photo),)
    assert not dialog.blank_warning.isVisible()


def test_a_blank_photo_that_reaches_teaching_is_left_out_and_named(real_window, qtbot,
                                                                   tmp_path):
    """Teaching checks again (a photo only the full-size look finds blank)."""
    window = real_window
    qtbot.waitUntil(lambda: window.session.model_state == "ready", timeout=WAIT_MS)
    from fmf_desktop._qt.teach_dialog import TeachRequest

    photo = figure_photo(tmp_path / "dragon.png", 3)
    blank = tmp_path / "lens-cap.png"
    Image.new("RGB", (640, 480), (12, 12, 12)).save(blank)
    request = TeachRequest("My Dragon", "", (str(photo), str(blank)))
    assert wait_taught(qtbot, window, lambda: window.teaching.teach(request)) == "My Dragon"
    assert library_of(window).figures()[0].examples == 1
    message = window.message_bar.text()
    assert "lens-cap.png" in message and "blank" in message


def test_an_unreadable_photo_is_named_by_its_file_name(qtbot, tmp_path):
    from fmf_desktop._qt.teach_dialog import TeachDialog

    broken = tmp_path / "broken-figure.jpg"
    broken.write_bytes(b"\xff\xd8\xff definitely not a jpeg")
    dialog = TeachDialog()
    qtbot.addWidget(dialog)
    dialog.add_photos([str(broken)])
    wait_thumbnails(qtbot, dialog)
    shown = dialog.problem_label.text()
    assert shown.startswith("Not added: broken-figure.jpg:")
    assert str(tmp_path) not in shown  # the main window names files the same way
    assert str(broken) in dialog.problem_label.toolTip()  # where it is, on hover


def test_correcting_a_photo_that_is_still_reopening_says_so(real_window, qtbot, tmp_path):
    window = real_window
    window.open_paths([str(figure_photo(tmp_path / "a.png", 1)),
                       str(figure_photo(tmp_path / "b.png", 2))])
    wait_for_result(qtbot, window, 0)
    wait_for_result(qtbot, window, 1)
    item = window.session.current_item()
    # What the user meets right after Page Up to a photo whose pixels were let go:
    item.loaded, item.decoding = None, True
    assert window.teaching.correct_current() is None
    assert "still opening" in window.message_bar.text()


def test_correcting_a_result_stores_the_crop_and_fixes_the_answer(real_window, qtbot, tmp_path,
                                                                  artifacts_dir):
    window = real_window
    window.open_paths([str(figure_photo(tmp_path / "cat.png", 5))])
    wait_for_result(qtbot, window)
    assert window.teaching.result_actions.isVisible()
    before = window.session.current_item().result.figurines[0]
    assert before.best.name != "Shelf Cat"

    dialog = window.teaching.correct_current()
    assert dialog.suggestion_list.count() == len(before.top)  # the top-5 to pick from
    assert dialog.photo_count() == 1  # the crop being corrected
    dialog.name_edit.setText("Shelf Cat")
    screenshot(dialog, artifacts_dir / "correction_dialog.png")
    wait_taught(qtbot, window, dialog.accept)

    (fig,) = library_of(window).figures()
    (example,) = library_of(window).examples(fig.id)
    assert example.source == "correction: cat.png" and example.thumbnail
    # The open photo is identified again with the correction.
    qtbot.waitUntil(
        lambda: window.session.current_item().result.figurines[0].best.name == "Shelf Cat",
        timeout=WAIT_MS)
    assert window.results_panel.heading.text() == "Shelf Cat"


def test_a_corrected_box_can_be_taught_as_its_whole_photo(real_window, shared_recognizer, qtbot,
                                                          tmp_path):
    """A close-up whose located box is a hand: the user names it and says the photo shows
    only the figure, so the whole photo is taught, not the hand."""
    import shutil

    from fmf_desktop.imaging import load_image
    from fmf_desktop.library import decode_thumbnail, make_thumbnail
    from fmf_desktop.paths import sample_image_path
    from fmf_desktop.results import Box
    from fmf_desktop.teaching import crop_for_box

    window = real_window
    photo = tmp_path / "close-up.jpg"
    shutil.copyfile(sample_image_path(), photo)
    window.open_paths([str(photo)])
    result = wait_for_result(qtbot, window)
    assert result.figurines[0].origin == "detected"

    dialog = window.teaching.correct_current()
    dialog.name_edit.setText("My Figure")
    assert dialog.photo_list.item(0).text() == "this crop"
    dialog.whole_image.setChecked(True)
    assert dialog.photo_list.item(0).text() == "whole photo"  # what will be taught
    wait_taught(qtbot, window, dialog.accept)

    (fig,) = library_of(window).figures()
    (example,) = library_of(window).examples(fig.id)
    rgb = load_image(photo).rgb
    whole = crop_for_box(rgb, Box(0, 0, rgb.shape[1], rgb.shape[0]), True)
    np.testing.assert_array_equal(decode_thumbnail(example.thumbnail),
                                  decode_thumbnail(make_thumbnail(whole)))
    assert example.source == "correction: close-up.jpg"
    assert window.teaching._correction is None  # the photo's pixels are let go


def test_picking_a_suggested_character_uses_its_name_and_franchise(real_window, qtbot,
                                                                    tmp_path):
    window = real_window
    window.open_paths([str(figure_photo(tmp_path / "x.png", 8))])
    fig = wait_for_result(qtbot, window).figurines[0]
    dialog = window.teaching.correct_current()
    dialog.suggestion_list.setCurrentRow(2)
    third = fig.top[2]
    assert dialog.name_edit.text() == third.name
    assert dialog.franchise_edit.text() == third.franchise
    assert dialog.request().character == third.character
    dialog.reject()


def test_add_to_collection_keeps_thumbnail_name_and_shop_links(real_window, qtbot, tmp_path,
                                                                monkeypatch, artifacts_dir):
    window = real_window
    window.open_paths([str(figure_photo(tmp_path / "fig.png", 11))])
    fig = wait_for_result(qtbot, window).figurines[0]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.results_panel.choose_candidate(1)  # the user picked the second match
    assert window.teaching.add_current_to_collection()
    (item,) = window.teaching.collection.items()
    assert item.name == fig.top[1].name and item.franchise == fig.top[1].franchise
    assert item.thumbnail and item.thumbnail[:2] == b"\xff\xd8"
    assert item.shops and all(url.startswith("https://") for _, url in item.shops)
    view = window.teaching.open_collection()
    assert view.proxy.rowCount() == 1
    screenshot(view, artifacts_dir / "collection_after_add.png")


def test_unsure_result_asks_before_adding_to_the_collection(real_window, qtbot, tmp_path,
                                                            monkeypatch):
    window = real_window
    window.session.set_unsure_threshold(0.9999)  # nothing reaches it: the answer is "unsure"
    window.open_paths([str(figure_photo(tmp_path / "fig.png", 12))])
    fig = wait_for_result(qtbot, window).figurines[0]
    assert fig.decision == "unsure"
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.No)
    assert not window.teaching.add_current_to_collection()
    assert asked and len(window.teaching.collection) == 0
    assert window.teaching.result_actions.correct_button.text() == "Not sure? Name it…"


def test_library_dialog_renames_deletes_exports_and_imports(real_window, qtbot, tmp_path,
                                                            monkeypatch, artifacts_dir):
    window = real_window
    lib = library_of(window)
    rng = np.random.default_rng(0)
    thumb = _thumb()
    lib.teach("Rin", [NewExample(rng.normal(size=16), thumb)], franchise="Vocaloid")
    lib.teach("Miku", [NewExample(rng.normal(size=16), thumb),
                       NewExample(rng.normal(size=16), thumb)])
    dialog = window.teaching.open_library_dialog()
    assert dialog.figure_list.count() == 2
    screenshot(dialog, artifacts_dir / "library_dialog.png")

    dialog.figure_list.setCurrentRow(0)  # Miku (sorted by name)
    assert dialog.example_list.count() == 2
    dialog.name_edit.setText("Hatsune Miku")
    with qtbot.waitSignal(dialog.changed, timeout=1000):
        assert dialog.save_edits()
    assert lib.find("Hatsune Miku") is not None

    dialog.name_edit.setText("rin")  # clash
    assert not dialog.save_edits()
    assert "already exists" in dialog.status_label.text()

    out = tmp_path / "figures.fmflib"
    dialog.export_to(str(out))
    qtbot.waitUntil(lambda: "Exported 2" in dialog.status_label.text(), timeout=WAIT_MS)
    assert out.is_file()

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog.figure_list.setCurrentRow(0)
    dialog.delete_current_figure()
    assert [f.name for f in lib.figures()] == ["Rin"]

    dialog.import_from(str(out))
    qtbot.waitUntil(lambda: "Imported" in dialog.status_label.text(), timeout=WAIT_MS)
    assert "1 new figure, 1 merged" in dialog.status_label.text()
    assert sorted(f.name for f in lib.figures()) == ["Hatsune Miku", "Rin"]

    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    dialog.import_from(str(bad))
    qtbot.waitUntil(lambda: "not a Find My Figurine library" in dialog.status_label.text(),
                    timeout=WAIT_MS)
    assert not dialog.status_label.text().startswith("LibraryError")


def test_an_unusable_library_is_explained_and_recognition_still_works(
        qtbot, gui_settings, shared_recognizer, tmp_path, monkeypatch, artifacts_dir):
    # A file where the app data folder should be: fails for root too (chmod would not).
    blocker = tmp_path / "appdata"
    blocker.write_text("not a folder")
    monkeypatch.setenv("FMF_DATA_DIR", str(blocker / "sub"))
    window = open_window(qtbot, gui_settings, lambda threads: shared_recognizer)
    try:
        text = window.message_bar.text()
        assert "Could not" in text and "Recognition still works" in text
        assert not window.teaching.teach_action.isEnabled()
        window.open_paths([str(write_photo(tmp_path / "p.png"))])
        assert wait_for_result(qtbot, window).figurines
        # Opening a photo hides the notice; the disabled buttons still say why.
        actions = window.teaching.result_actions
        assert not actions.correct_button.isEnabled()
        assert "figure library" in actions.correct_button.toolTip()
        screenshot(window, artifacts_dir / "window_library_unavailable.png")
    finally:
        window.session.wait_idle(WAIT_MS)


def test_teach_and_collection_survive_reopening_the_app(qtbot, gui_settings, shared_recognizer,
                                                        tmp_path):
    window = open_window(qtbot, gui_settings, lambda threads: shared_recognizer)
    window.teaching.library.teach("Kept", [NewExample(np.ones(8, np.float32))])
    path = window.teaching.library.path
    window.teaching.close()
    window.session.wait_idle(WAIT_MS)
    with Library(path) as lib:
        assert [f.name for f in lib.figures()] == ["Kept"]
    with Collection(path.parent / "collection.sqlite3") as col:
        assert len(col) == 0


def _thumb() -> bytes:
    from fmf_desktop.library import make_thumbnail

    img = np.zeros((64, 64, 3), np.uint8)
    img[:, :32] = (200, 80, 40)
    return make_thumbnail(img)


def test_camera_captures_can_be_taught(real_window, qtbot, tmp_path):
    window = real_window
    qtbot.waitUntil(lambda: window.session.model_state == "ready", timeout=WAIT_MS)
    import cv2

    frame = cv2.cvtColor(cv2.imread(str(figure_photo(tmp_path / "f.png", 21))),
                         cv2.COLOR_BGR2RGB)
    frames = [None, frame]  # first press: camera not running yet
    window.teaching.capture = lambda: frames.pop(0)
    dialog = window.teaching.open_teach_dialog()
    assert dialog.capture_button.isVisibleTo(dialog)
    dialog.capture_frame()
    assert "camera mode" in dialog.problem_label.text() and dialog.photo_count() == 0
    dialog.capture_frame()
    assert dialog.photo_count() == 1
    dialog.name_edit.setText("Desk Robot")
    wait_taught(qtbot, window, dialog.accept)
    (fig,) = library_of(window).figures()
    assert [e.source for e in library_of(window).examples(fig.id)] == ["camera"]


def test_figures_menu_and_shortcuts_are_listed(real_window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: shown.append(text))
    real_window.show_shortcuts()
    for name, keys in [("Teach a figure", "Ctrl+T"), ("My collection", "Ctrl+M"),
                       ("Add to collection", "Ctrl+D"), ("Correct this result", "Ctrl+E")]:
        assert name in shown[0] and keys in shown[0]
    menus = [a.text().replace("&", "") for a in real_window.menuBar().actions()]
    assert menus.index("Figures") == menus.index("Help") - 1


def test_status_bar_counts_taught_figures(real_window, qtbot, monkeypatch):
    window = real_window
    qtbot.waitUntil(lambda: window.teaching.matcher is not None, timeout=WAIT_MS)
    bundled = len(window.session.recognizer.classes)
    assert window.model_label.text() == f"Model ready: knows {bundled} characters"
    lib = library_of(window)
    lib.teach("Rin", [NewExample(np.ones(8, np.float32), _thumb())])
    lib.teach("Miku", [NewExample(np.ones(8, np.float32), _thumb())])
    dialog = window.teaching.open_library_dialog()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog.figure_list.setCurrentRow(0)
    dialog.delete_current_figure()
    assert window.model_label.text() == (
        f"Model ready: knows {bundled} characters and 1 taught figure")


def test_the_status_bar_count_after_teaching_does_not_list_every_figure(
        real_window, qtbot, tmp_path, monkeypatch):
    """Counting taught figures runs on the GUI thread after each teach: a COUNT, not the
    per-figure listing, which groups every photo of a large library."""
    import threading

    from fmf_desktop._qt.teach_dialog import TeachRequest

    window = real_window
    qtbot.waitUntil(lambda: window.teaching.matcher is not None, timeout=WAIT_MS)
    listed_on_gui_thread = []
    figures = Library.figures

    def spy(library):
        if threading.current_thread() is threading.main_thread():
            listed_on_gui_thread.append(library)
        return figures(library)

    monkeypatch.setattr(Library, "figures", spy)
    request = TeachRequest("My Dragon", "", (str(figure_photo(tmp_path / "d.png", 3)),))
    wait_taught(qtbot, window, lambda: window.teaching.teach(request))
    assert window.model_label.text().endswith("and 1 taught figure")
    assert listed_on_gui_thread == []


def _live_teach_dialogs(window) -> list:
    from fmf_desktop._qt.teach_dialog import TeachDialog

    return window.findChildren(TeachDialog)


def test_closed_teach_and_correction_dialogs_are_freed(real_window, qtbot, tmp_path):
    """Each dialog holds thumbnails, crops and a thread pool: closing it must free them,
    also while its photos are still being checked."""
    window = real_window
    qtbot.waitUntil(lambda: window.session.model_state == "ready", timeout=WAIT_MS)
    photos_to_check = [str(figure_photo(tmp_path / f"p{i}.png", i)) for i in range(8)]
    for _ in range(3):
        dialog = window.teaching.open_teach_dialog()
        dialog.add_photos(photos_to_check)
        dialog.reject()  # closed while its checks are queued or running
    dialog = window.teaching.open_teach_dialog()
    dialog.close()  # the title bar's close button
    window.open_paths([photos_to_check[0]])
    wait_for_result(qtbot, window)
    window.teaching.correct_current().reject()
    dialog = window.teaching.open_teach_dialog()
    dialog.name_edit.setText("My Dragon")
    dialog.add_photos(photos_to_check[:1])
    wait_thumbnails(qtbot, dialog)
    wait_taught(qtbot, window, dialog.accept)

    qtbot.waitUntil(lambda: not _live_teach_dialogs(window), timeout=WAIT_MS)
    assert window.teaching.teach_dialog is None
    assert window.teaching.wait_idle(WAIT_MS)
    # A new dialog still works after the old ones are gone.
    dialog = window.teaching.open_teach_dialog()
    dialog.add_photos(photos_to_check[:2])
    wait_thumbnails(qtbot, dialog)
    assert dialog.photo_count() == 2
    dialog.reject()


def test_quitting_waits_for_the_photo_checks_of_an_open_dialog(real_window, tmp_path):
    from PySide6.QtCore import QCoreApplication

    window = real_window
    dialog = window.teaching.open_teach_dialog()
    dialog.add_photos([str(figure_photo(tmp_path / f"p{i}.png", i)) for i in range(4)])
    assert window.teaching.wait_idle(WAIT_MS)  # what closing the window does
    QCoreApplication.processEvents()  # the finished checks' results, already queued
    labels = [dialog.photo_list.item(i).text() for i in range(dialog.photo_count())]
    # None still "loading…": each names its file and the part that will be taught.
    assert [label.split("\n")[0] for label in labels] == [f"p{i}.png" for i in range(4)]
    assert not any("loading" in label for label in labels)


def test_a_damaged_library_is_explained_once(qtbot, gui_settings, shared_recognizer,
                                             monkeypatch):
    from fmf_desktop.library import LibraryError

    def damaged(*_a, **_k):
        raise LibraryError("The figure library is damaged (database disk image is malformed).")

    monkeypatch.setattr(Library, "embedding_table", damaged)
    window = open_window(qtbot, gui_settings, lambda threads: shared_recognizer)
    try:
        qtbot.waitUntil(lambda: window.teaching.matcher is not None, timeout=WAIT_MS)
        text = window.message_bar.text()
        assert "damaged" in text and "Recognition still works" in text
    finally:
        window.session.wait_idle(WAIT_MS)


def test_teaching_a_whole_shelf_photo_for_one_figurine_is_warned_about(qtbot):
    from fmf_desktop._qt.teach_dialog import TeachDialog

    crop = np.full((40, 30, 3), 120, np.uint8)
    shelf = np.full((120, 200, 3), 60, np.uint8)
    for figurines, warned in ((3, True), (1, False)):
        dialog = TeachDialog(crops=[crop], correcting=True, whole_photo=shelf,
                             figurines_in_photo=figurines)
        qtbot.addWidget(dialog)
        dialog.show()
        assert not dialog.whole_photo_warning.isVisible()
        dialog.whole_image.setChecked(True)
        assert dialog.whole_photo_warning.isVisible() == warned
        if warned:
            assert "3 figurines" in dialog.whole_photo_warning.text()
            dialog.whole_image.setChecked(False)
            assert not dialog.whole_photo_warning.isVisible()


def _shelf_correction(qtbot, suggestions=()):
    from fmf_desktop._qt.teach_dialog import TeachDialog

    crop = np.full((40, 30, 3), 120, np.uint8)
    shelf = np.full((120, 200, 3), 60, np.uint8)
    dialog = TeachDialog(suggestions=suggestions, crops=[crop], correcting=True,
                         whole_photo=shelf, figurines_in_photo=5)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _suggestions(*names):
    from fmf_desktop.results import Candidate, CharacterInfo

    return [Candidate(CharacterInfo(id=f"c{i}", name=name, franchise="Star Wars"), 0.1)
            for i, name in enumerate(names)]


def _text_color(label) -> tuple[int, int, int]:
    """The darkest colour painted in ``label``: its text, on a light background."""
    image = label.grab().toImage()
    colors = [image.pixelColor(x, y) for x in range(image.width())
              for y in range(image.height())]
    darkest = min(colors, key=lambda c: c.red() + c.green() + c.blue())
    return darkest.red(), darkest.green(), darkest.blue()


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    def luminance(rgb):
        linear = [(v / 255 / 12.92 if v / 255 <= 0.03928 else ((v / 255 + 0.055) / 1.055) ** 2.4)
                  for v in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_whole_shelf_warning_keeps_the_preview_in_view(qtbot):
    from PySide6.QtGui import QPalette

    dialog = _shelf_correction(qtbot, _suggestions("Rex", "Cody", "Fives", "Echo", "Wolffe"))
    dialog.whole_image.setChecked(True)
    qtbot.wait(50)  # the layout settles
    # The whole-photo preview and its caption stay in full view above the warning.
    preview = dialog.photo_list.visualItemRect(dialog.photo_list.item(0))
    assert dialog.photo_list.viewport().rect().contains(preview)
    assert not dialog.photo_list.verticalScrollBar().isVisible()
    warning = dialog.whole_photo_warning.text()
    assert "shows 5 figurines. With this option the whole photo, all 5 of them" in warning
    assert "Untick it" in warning
    # A warning, not an error: amber, not the problems' red, and readable.
    dialog._show_problems(["Not added: x.jpg: file not found"])
    warning_color, error_color = _text_color(dialog.whole_photo_warning), _text_color(
        dialog.problem_label)
    assert warning_color != error_color
    red, green, _blue = warning_color
    assert green > red * 0.5  # amber has some green; the error red has almost none
    background = dialog.palette().color(QPalette.ColorRole.Window)
    assert _contrast(warning_color, (background.red(), background.green(),
                                     background.blue())) >= 4.5


def test_a_long_suggestion_is_cut_short_not_scrolled(qtbot):
    long_name = ("Commander Cody (Phase II armour, 212th Attack Battalion, Clone Wars "
                 "season 3, Utapau)")
    dialog = _shelf_correction(qtbot, _suggestions("Rex", long_name))
    suggestions = dialog.suggestion_list
    assert not suggestions.horizontalScrollBar().isVisible()
    row = suggestions.visualItemRect(suggestions.item(1))
    assert suggestions.viewport().rect().contains(row)
    assert long_name in suggestions.item(1).toolTip()


def test_teach_dialog_hints_inside_the_empty_photo_area(qtbot, tmp_path, artifacts_dir):
    from fmf_desktop._qt.teach_dialog import TeachDialog

    dialog = TeachDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name_edit.setText("Rin")

    def inked_pixels() -> int:
        image = dialog.photo_list.viewport().grab().toImage()
        base = image.pixelColor(2, 2)
        return sum(image.pixelColor(x, y) != base
                   for x in range(0, image.width(), 3) for y in range(0, image.height(), 3))

    screenshot(dialog, artifacts_dir / "teach_dialog_empty.png")
    assert inked_pixels() > 20  # the "drop photos here" text
    assert dialog.hint_label.isEnabled()  # readable, not greyed out as if disabled
    dialog.add_crop(np.full((40, 30, 3), 120, np.uint8), "camera")
    assert dialog.hint_label.text().startswith("1 photo will be taught")
    dialog.add_crop(np.full((40, 30, 3), 90, np.uint8), "camera")
    assert dialog.hint_label.text().startswith("2 photos will be taught")


def test_a_read_only_library_and_collection_say_so_and_offer_no_changes(
        qtbot, gui_settings, shared_recognizer, tmp_path, monkeypatch):
    from tests.support.storage import pretend_read_only

    data = tmp_path / "readonly-data"
    data.mkdir()
    with Library(data / "library.sqlite3") as lib:
        lib.teach("Rin", [NewExample(np.ones(8, np.float32), _thumb())])
    Collection(data / "collection.sqlite3").close()
    pretend_read_only(monkeypatch, data)  # e.g. a read-only mount
    monkeypatch.setenv("FMF_DATA_DIR", str(data))
    window = open_window(qtbot, gui_settings, lambda threads: shared_recognizer)
    try:
        teaching = window.teaching
        # Said at startup, once: what works, what does not, how to fix it.
        notice = window.message_bar.text()
        assert "read-only" in notice and "Recognition" in notice
        assert "writable and restart" in notice
        assert not teaching.teach_action.isEnabled()
        assert "read-only" in teaching.teach_action.toolTip()
        teaching.teach_action.trigger()  # Ctrl+T
        assert teaching.teach_dialog is None

        window.open_paths([str(figure_photo(tmp_path / "p.png", 3))])
        wait_for_result(qtbot, window)
        buttons = teaching.result_actions
        for button in (buttons.collection_button, buttons.correct_button):
            assert not button.isEnabled()
            assert "read-only" in button.toolTip()
        assert not teaching.correct_action.isEnabled() and not teaching.add_action.isEnabled()
    finally:
        window.session.wait_idle(WAIT_MS)


def test_the_preview_shows_the_head_that_teaching_takes(qtbot, tmp_path, shared_recognizer):
    """Without "Photos show only the figure" the app teaches a located head, not the
    photo the user added: the thumbnail shows that head, the very box teach_crop takes,
    and ticking the option shows the whole photo instead, without looking again."""
    import cv2

    from fmf_desktop._qt.teach_dialog import BOX_ROLE, TeachDialog
    from fmf_desktop.imaging import load_image
    from fmf_desktop.recognition import PHOTO_MAX_SIDE
    from fmf_desktop.teaching import teach_crop

    shelf, _ = photos.drawn_shelf(seed=2)
    path = tmp_path / "shelf.png"
    cv2.imwrite(str(path), cv2.cvtColor(shelf, cv2.COLOR_RGB2BGR))
    plain = figure_photo(tmp_path / "dragon.png", 3)  # discs: no head in it
    dialog = TeachDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.add_photos([str(path), str(plain)])
    wait_thumbnails(qtbot, dialog)
    shelf_item, plain_item = dialog.photo_list.item(0), dialog.photo_list.item(1)

    rgb = load_image(path, max_side=PHOTO_MAX_SIDE).rgb  # as the teaching controller does
    taught = teach_crop(shared_recognizer, rgb)
    assert taught.found > 0  # a located head, not the whole photo
    assert shelf_item.data(BOX_ROLE) == taught.box
    assert shelf_item.text() == "shelf.png\nfound head"
    assert "tick “Photos show only the figure”" in shelf_item.toolTip()
    plain_box = plain_item.data(BOX_ROLE)
    plain_taught = teach_crop(shared_recognizer, load_image(plain, max_side=PHOTO_MAX_SIDE).rgb)
    assert (plain_box is None) == (plain_taught.found == 0)
    if plain_box is not None:
        assert plain_box == plain_taught.box
    found_icon = shelf_item.icon().cacheKey()

    dialog.whole_image.setChecked(True)
    assert [dialog.photo_list.item(i).text().split("\n")[1] for i in range(2)] == [
        "whole photo", "whole photo"]
    assert shelf_item.icon().cacheKey() != found_icon
    assert dialog._pending == 0  # swapped, not checked again
    dialog.whole_image.setChecked(False)
    assert shelf_item.text() == "shelf.png\nfound head"
    assert shelf_item.icon().cacheKey() == found_icon
    # Camera frames keep their caption (teaching still looks for the figurine in them).
    dialog.add_crop(np.full((40, 30, 3), 120, np.uint8), "camera")
    dialog.whole_image.setChecked(True)
    assert dialog.photo_list.item(2).text() == "camera"
    assert dialog.request().photos == (str(path), str(plain))
