"""Editing the boxes on the photo: select by clicking, draw a box by hand (add or
replace), delete a wrong one, undo; zooming with the wheel."""
# ruff: noqa: F811 - fixtures imported from tests/support/gui_helpers.py

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from tests.support.gui_helpers import (  # noqa: F401 - fixtures
    WAIT_MS,
    gui_settings,
    real_window,
    screenshot,
    scripted_window,
    shared_recognizer,
    wait_for_result,
    write_photo,
)


def view_point(canvas, x: float, y: float) -> QPoint:
    return canvas.mapFromScene(QPointF(x, y))


def drag_box(qtbot, canvas, x0, y0, x1, y1, modifier=Qt.KeyboardModifier.ShiftModifier):
    """Shift+drag on the photo from (x0, y0) to (x1, y1), in image pixels."""
    viewport = canvas.viewport()
    start, end = view_point(canvas, x0, y0), view_point(canvas, x1, y1)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, start)
    middle = (start + end) / 2
    qtbot.mouseMove(viewport, middle)
    qtbot.mouseMove(viewport, end)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, end)


def grey_canvas(qtbot, width: int, height: int):
    """A shown PhotoCanvas of ``width`` x ``height`` holding a plain 1200x800 photo."""
    from PySide6.QtGui import QImage

    from fmf_desktop._qt.canvas import PhotoCanvas

    canvas = PhotoCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(width, height)
    canvas.show()
    image = QImage(1200, 800, QImage.Format.Format_RGB32)
    image.fill(0x808080)
    canvas.set_image(image)
    return canvas


def figurines(window):
    return window.session.current_item().result.figurines


def test_click_selects_a_box(scripted_window, tmp_path, qtbot):
    window = scripted_window
    window.open_paths([str(write_photo(tmp_path / "shelf.png", size=(800, 600)))])
    result = wait_for_result(qtbot, window)
    second = result.figurines[1].box
    centre = view_point(window.canvas, second.x + second.w / 2, second.y + second.h / 2)
    qtbot.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert window.canvas.selected_index == 1
    assert window.results_panel.heading.text() == "Not sure"
    assert window.results_panel.figurine_list.currentRow() == 1


def test_drawn_box_is_identified_and_added(real_window, tmp_path, qtbot, artifacts_dir):
    window = real_window
    window.open_paths([str(write_photo(tmp_path / "plain.png", size=(800, 600)))])
    before = len(wait_for_result(qtbot, window).figurines)
    drag_box(qtbot, window.canvas, 40, 40, 200, 220)
    qtbot.waitUntil(lambda: len(figurines(window)) == before + 1, timeout=WAIT_MS)
    added = figurines(window)[-1]
    assert added.origin == "manual"
    assert abs(added.box.x - 40) <= 3 and abs(added.box.w - 160) <= 6
    assert len(added.top) == min(5, len(window.session.recognizer.classes))
    assert window.canvas.selected_index == before  # the new box is selected
    assert len(window.canvas.box_items) == before + 1
    screenshot(window, artifacts_dir / "gui_manual_box.png")


def test_drawn_box_over_a_wrong_box_replaces_it(scripted_window, tmp_path, qtbot):
    window = scripted_window
    window.open_paths([str(write_photo(tmp_path / "shelf.png", size=(800, 600)))])
    result = wait_for_result(qtbot, window)
    wrong = result.figurines[0].box
    window.draw_action.trigger()  # draw mode: a plain drag draws
    assert window.canvas.draw_mode
    drag_box(qtbot, window.canvas, wrong.x + 10, wrong.y + 5, wrong.x + wrong.w + 20,
             wrong.y + wrong.h, modifier=Qt.KeyboardModifier.NoModifier)
    qtbot.waitUntil(lambda: any(f.origin == "manual" for f in figurines(window)),
                    timeout=WAIT_MS)
    assert len(figurines(window)) == 2
    assert wrong not in [f.box for f in figurines(window)]
    assert not window.canvas.draw_mode and not window.draw_action.isChecked()


def test_tiny_drag_adds_nothing(scripted_window, tmp_path, qtbot):
    window = scripted_window
    window.open_paths([str(write_photo(tmp_path / "shelf.png", size=(800, 600)))])
    wait_for_result(qtbot, window)
    drag_box(qtbot, window.canvas, 700, 20, 702, 23)
    window.session.wait_idle(WAIT_MS)
    QApplication.processEvents()
    assert len(figurines(window)) == 2


def test_delete_removes_the_selected_box_and_undo_brings_it_back(scripted_window, tmp_path,
                                                                 qtbot):
    window = scripted_window
    window.open_paths([str(write_photo(tmp_path / "shelf.png", size=(800, 600)))])
    result = wait_for_result(qtbot, window)
    window.canvas.figurine_selected.emit(0)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert [f.box for f in figurines(window)] == [result.figurines[1].box]
    assert len(window.canvas.box_items) == 1
    assert window.results_panel.figurine_list.count() == 1
    window.undo_action.trigger()
    assert len(figurines(window)) == 2
    assert len(window.canvas.box_items) == 2


def test_wheel_zooms_and_fit_shows_the_whole_photo(scripted_window, tmp_path, qtbot):
    window = scripted_window
    window.open_paths([str(write_photo(tmp_path / "big.png", size=(1600, 1200)))])
    wait_for_result(qtbot, window)
    canvas = window.canvas
    fitted = canvas.zoom_factor()
    centre = QPointF(canvas.viewport().width() / 2, canvas.viewport().height() / 2)
    wheel = QWheelEvent(centre, canvas.viewport().mapToGlobal(centre), QPoint(0, 0),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(canvas.viewport(), wheel)
    assert canvas.zoom_factor() > fitted * 1.4
    window.fit_action.trigger()
    assert abs(canvas.zoom_factor() - fitted) < 1e-6
    window.actual_size_action.trigger()
    assert canvas.zoom_factor() == 1.0


def test_captions_of_overlapping_boxes_do_not_cover_each_other(qtbot):
    import numpy as np

    from fmf_desktop.results import Box, Figurine
    from tests.support.gui_helpers import ScriptedRecognizer

    canvas = grey_canvas(qtbot, 600, 400)
    top = ScriptedRecognizer()._top(0, 0.9)
    figs = [Figurine(Box(100 + 8 * i, 100 + 4 * i, 200, 200), top, np.zeros(4), "known")
            for i in range(3)]
    canvas.set_figurines(figs, 1)

    def caption_rects():
        return [canvas.mapFromScene(b.label.pos()) for b in canvas.box_items]

    for _ in range(2):  # as fitted, then zoomed in
        corners = caption_rects()
        height = canvas.box_items[0].label.boundingRect().height()
        ys = sorted(p.y() for p in corners)
        assert all(b - a >= height - 1 for a, b in zip(ys, ys[1:], strict=False)), ys
        canvas.zoom_in()
    # The selected box keeps its caption at its own top-left corner: inside the box, or
    # just above it where inside would cover the other boxes.
    selected = canvas.box_items[1]
    corner = canvas.mapFromScene(selected.rect().topLeft())
    caption = canvas.mapFromScene(selected.label.pos())
    height = round(selected.label.boundingRect().height())
    assert abs(caption.x() - corner.x()) <= 2
    assert min(abs(caption.y() - corner.y()), abs(caption.y() + height - corner.y())) <= 2


def test_a_small_box_inside_a_big_one_keeps_its_caption_off_the_big_one(qtbot):
    """A caption must not sit on another figurine's face: the small box's caption moves
    out of the big box (here: below both), the big box's stays at its corner."""
    from PySide6.QtCore import QRectF

    from fmf_desktop.results import Box, Figurine
    from tests.support.gui_helpers import ScriptedRecognizer

    canvas = grey_canvas(qtbot, 600, 400)
    recognizer = ScriptedRecognizer()
    big = Figurine(Box(100, 100, 300, 300), recognizer._top(0, 0.9), np.zeros(4), "known")
    small = Figurine(Box(90, 280, 90, 110), recognizer._top(1, 0.3), np.zeros(4), "unsure")
    canvas.set_figurines([big, small], 0)

    def view_rect(item) -> QRectF:
        return canvas.mapFromScene(item.rect()).boundingRect().toRectF()

    big_item, small_item = canvas.box_items
    caption = QRectF(canvas.mapFromScene(small_item.label.pos()).toPointF(),
                     small_item.label.boundingRect().size())
    overlap = caption.intersected(view_rect(big_item))
    assert overlap.width() * overlap.height() < 0.2 * caption.width() * caption.height()
    corner = canvas.mapFromScene(big_item.rect().topLeft())
    assert (corner - canvas.mapFromScene(big_item.label.pos())).manhattanLength() <= 2


def test_right_click_selects_the_box_and_offers_box_actions(scripted_window, tmp_path, qtbot):
    window = scripted_window
    window.open_paths([str(write_photo(tmp_path / "shelf.png", size=(800, 600)))])
    result = wait_for_result(qtbot, window)
    box = result.figurines[1].box
    centre = view_point(window.canvas, box.x + box.w / 2, box.y + box.h / 2)
    qtbot.mousePress(window.canvas.viewport(), Qt.MouseButton.RightButton, pos=centre)
    qtbot.mouseRelease(window.canvas.viewport(), Qt.MouseButton.RightButton, pos=centre)
    assert window.canvas.selected_index == 1
    menu = [a.text().replace("&", "") for a in window.canvas.actions()]
    assert "Delete box" in menu and "Draw box" in menu
    window.delete_action.trigger()
    assert [f.box for f in figurines(window)] == [result.figurines[0].box]


def test_w_identifies_the_whole_photo_as_one_figure_and_undo_restores_the_boxes(
        real_window, tmp_path, qtbot, artifacts_dir):
    """For close-ups, and figures whose head the locator can't find (a LEGO minifigure)."""
    window = real_window
    window.open_paths([str(write_photo(tmp_path / "plain.png", size=(800, 600)))])
    before = [f.box for f in wait_for_result(qtbot, window).figurines]
    assert window.whole_photo_action.isEnabled()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_W)
    qtbot.waitUntil(lambda: [f.origin for f in figurines(window)] == ["whole-image"],
                    timeout=WAIT_MS)
    (whole,) = figurines(window)
    assert (whole.box.x, whole.box.y, whole.box.w, whole.box.h) == (0, 0, 800, 600)
    assert window.results_panel.figurine_list.count() == 1
    assert len(window.canvas.box_items) == 1
    screenshot(window, artifacts_dir / "gui_whole_photo.png")
    window.undo_action.trigger()
    assert [f.box for f in figurines(window)] == before
    assert "Whole photo is one figure" in [a.text().replace("&", "")
                                           for a in window.canvas.actions()]


def test_a_whole_photo_answer_stays_whole_when_identified_again(real_window, tmp_path, qtbot):
    """Teaching or a new threshold identifies shown photos again: same framing."""
    window = real_window
    window.open_paths([str(write_photo(tmp_path / "plain.png", size=(800, 600)))])
    wait_for_result(qtbot, window)
    window.whole_photo_action.trigger()
    qtbot.waitUntil(lambda: [f.origin for f in figurines(window)] == ["whole-image"],
                    timeout=WAIT_MS)
    first = figurines(window)[0]
    item = window.session.current_item()
    undo_steps = len(item.history)
    window.session.reidentify_all()
    qtbot.waitUntil(lambda: len(item.history) == undo_steps + 1, timeout=WAIT_MS)
    (again,) = figurines(window)
    assert again is not first  # identified again, not left alone
    assert again.origin == "whole-image" and again.box == first.box
    assert np.allclose(again.embedding, first.embedding, atol=1e-6)


class _TaughtAsWholePhoto:
    """A library whose one taught figure looks like this whole photo only."""

    def __init__(self, whole: np.ndarray) -> None:
        self.whole = whole

    def match(self, embedding):
        from fmf_desktop.results import Candidate, CharacterInfo

        if float(embedding @ self.whole) > 0.999:
            return [Candidate(CharacterInfo("my-lego", "My LEGO", taught=True), 0.97)]
        return []

    def generic_photos(self, dims):
        return np.zeros((0, dims), np.float32)

    def __len__(self):
        return 1


def test_after_teaching_a_shown_photo_s_boxes_give_way_to_the_taught_whole_photo(
        real_window, shared_recognizer, tmp_path, qtbot, artifacts_dir):
    """The user taught the figure from whole photos; the photo on screen, whose located
    box matched nothing, is identified again and now names it."""
    import shutil

    from fmf_desktop.imaging import load_image
    from fmf_desktop.paths import sample_image_path
    from fmf_desktop.recognition import whole_image_crop

    window = real_window
    photo = tmp_path / "sample.jpg"
    shutil.copyfile(sample_image_path(), photo)
    window.open_paths([str(photo)])
    wait_for_result(qtbot, window)
    assert {f.origin for f in figurines(window)} == {"detected"}
    rgb = load_image(photo).rgb
    (_, whole), = shared_recognizer.classify_crops(
        [whole_image_crop(rgb, shared_recognizer.input_size)])
    window.session.matcher = _TaughtAsWholePhoto(whole)
    window.session.reidentify_all()
    qtbot.waitUntil(lambda: [f.origin for f in figurines(window)] == ["whole-image"],
                    timeout=WAIT_MS)
    (fig,) = figurines(window)
    assert fig.best.id == "my-lego" and fig.decision == "known"
    assert window.results_panel.heading.text() == "My LEGO"
    assert window.results_panel.subheading.text() == "(whole photo)"
    screenshot(window, artifacts_dir / "gui_second_look.png")


def test_a_caption_near_the_photos_right_edge_stays_on_the_photo(qtbot):
    """A box at the right edge (a small window): its caption, wider than the box, moves
    left instead of running past the photo, where the window cuts it off."""
    from PySide6.QtCore import QRectF

    from fmf_desktop.results import Box, Figurine
    from tests.support.gui_helpers import ScriptedRecognizer

    canvas = grey_canvas(qtbot, 500, 400)
    top = ScriptedRecognizer()._top(0, 0.98)
    figurine = Figurine(Box(1100, 300, 100, 100), top, np.zeros(4), "known")
    canvas.set_figurines([figurine], -1)

    photo = canvas.mapFromScene(QRectF(0, 0, 1200, 800)).boundingRect()
    item = canvas.box_items[0]
    label = item.label.boundingRect()
    caption_left = canvas.mapFromScene(item.label.pos()).x()
    assert label.width() > canvas.mapFromScene(item.rect()).boundingRect().width()
    assert caption_left + label.width() <= photo.right() + 1, "caption runs off the photo"
    assert caption_left >= photo.left()
