"""The results panel fits its width: nothing is cut off on the right, at any window size."""
# Fixtures are imported from tests/support/gui_helpers.py; test arguments "redefine" them.
# ruff: noqa: F811

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from tests.support.gui_helpers import (  # noqa: F401 - fixtures
    ScriptedRecognizer,
    gui_settings,
    open_window,
    sample_photo,
    screenshot,
    wait_for_result,
)
from tests.test_gui_palette import app_palette, coloured_text, unreadable

# Wider than the results panel even in a 1280 px window.
LONG_NAME = ("Owen Grady (Jurassic World, raptor trainer outfit, Amber Collection 2018 "
             "exclusive variant)")
LONG_FRANCHISE = "Jurassic World: Fallen Kingdom collector's edition"


class LongNameRecognizer(ScriptedRecognizer):
    """The scripted results, with a taught figure's long name fourth in the top-5."""

    def __init__(self, threads: int = 1) -> None:
        super().__init__(threads)
        self.classes[3] = replace(self.classes[3], name=LONG_NAME, franchise=LONG_FRANCHISE,
                                  taught=True)


def cut_off_widgets(panel) -> list[str]:
    """Visible widgets in the panel that reach past its visible width, or buttons whose
    text does not fit them."""
    viewport = panel.viewport()
    body = panel.widget()
    problems = []
    for child in body.findChildren(QWidget):
        if not child.isVisibleTo(body) or child.width() == 0:
            continue
        rect = QRect(child.mapTo(viewport, QPoint(0, 0)), child.size())
        name = child.accessibleName() or child.objectName() or type(child).__name__
        if rect.left() < 0 or rect.right() >= viewport.width():
            problems.append(f"{name}: x {rect.left()}..{rect.right()} of {viewport.width()}")
        elif isinstance(child, QAbstractButton) and child.width() < child.sizeHint().width():
            problems.append(f"{name}: button {child.width()} < {child.sizeHint().width()}")
    return problems


@pytest.mark.parametrize("size", [(800, 600), (1280, 800)])
def test_results_panel_fits_with_a_long_name(qtbot, gui_settings, size, artifacts_dir):
    window = open_window(qtbot, gui_settings, LongNameRecognizer)
    window.resize(*size)
    window.open_paths([str(sample_photo())])
    wait_for_result(qtbot, window)
    panel = window.results_panel
    for _ in range(3):
        QApplication.processEvents()

    names = [row.name_label.full_text() for row in panel.rows]
    assert f"4. {LONG_NAME}" in names
    assert cut_off_widgets(panel) == []
    long_row = panel.rows[names.index(f"4. {LONG_NAME}")]
    # Too long for the panel at either size: it ends in "…" rather than widening it.
    shown = long_row.name_label.text()
    assert shown.endswith("…") and f"4. {LONG_NAME}".startswith(shown[:-1]), shown
    assert LONG_NAME in long_row.toolTip()
    screenshot(window, artifacts_dir / f"gui_layout_long_name_{size[0]}x{size[1]}.png")

    # The "not sure" figurine: a long explanation and the "Not sure? Name it…" button.
    window.canvas.figurine_selected.emit(1)
    for _ in range(3):
        QApplication.processEvents()
    assert panel.heading.text() == "Not sure"
    assert cut_off_widgets(panel) == []
    window.session.wait_idle(20000)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_coloured_and_grey_text_is_readable(qtbot, theme):
    """Franchise names and hint lines are grey, not disabled-grey; errors, warnings, the
    notice bar (its close button too) and "Not sure" are coloured: all readable (WCAG
    4.5:1) on a light theme and on a dark one."""
    from fmf_desktop._qt.empty_state import EmptyState
    from fmf_desktop._qt.error_view import ErrorView

    with app_palette(theme) as palette:
        shown, _windows = coloured_text(qtbot)
        empty, error = EmptyState(), ErrorView()
        for widget in (empty, error):
            qtbot.addWidget(widget)
            widget.show()
        shown |= {"privacy note": (empty.privacy, None), "error hint": (error.hint, None)}
        for label in (shown["franchise"][0], empty.privacy, error.hint):
            assert label.isEnabled(), "greyed by colour, not by disabling it"
            grey = label.palette().color(QPalette.ColorRole.WindowText)
            assert grey != palette.color(QPalette.ColorRole.WindowText)
        assert unreadable(shown) == {}


def _shown_row(qtbot, rank: int, width: int, franchise: str = "hololive English"):
    from fmf_desktop._qt.candidate_row import CandidateRow

    candidate = ScriptedRecognizer()._top(0, 0.9)[0]
    candidate = replace(candidate, character=replace(
        candidate.character, name="Cecilia Immergreen", franchise=franchise))
    row = CandidateRow(rank, candidate)
    qtbot.addWidget(row)
    row.resize(width, row.sizeHint().height())
    row.show()
    QApplication.processEvents()
    return row


@pytest.mark.parametrize("width", [215, 250, 300])
def test_a_narrow_row_keeps_the_name_whole_and_shortens_the_franchise(qtbot, width):
    """In a narrow panel (a frozen camera frame, an 800x600 window) the name is what the
    user reads: it stays whole while the franchise ends in "…" or steps aside."""
    row = _shown_row(qtbot, 3, width)
    assert not row.name_label.is_elided(), row.name_label.text()
    franchise = row.franchise_label
    if franchise.isVisible():
        assert franchise.is_elided() or franchise.text() == "hololive English"
        name_right = row.name_label.mapTo(row, QPoint(row.name_label.width(), 0)).x()
        assert name_right <= franchise.mapTo(row, QPoint(0, 0)).x(), "the two overlap"
        assert franchise.mapTo(row, QPoint(franchise.width(), 0)).x() <= row.width()
    assert "hololive English" in row.toolTip()  # said in full there either way


def test_a_wide_row_shows_name_and_franchise_in_full(qtbot):
    row = _shown_row(qtbot, 3, 600)
    assert not row.name_label.is_elided()
    assert row.franchise_label.isVisible() and not row.franchise_label.is_elided()


def test_only_the_chosen_row_looks_chosen_and_focus_has_room(qtbot):
    """Bold on the best match read as "this one is chosen" while another row was; and the
    dashed focus line needs clear space between it and the text it surrounds."""
    from fmf_desktop._qt import candidate_row

    first, third = _shown_row(qtbot, 1, 400), _shown_row(qtbot, 3, 400)
    assert first.name_label.font().bold() == third.name_label.font().bold() is False
    content = third.top_line.geometry()
    focus_line = candidate_row._FOCUS_INSET + 1  # its inner edge
    bar = third.bar.geometry()
    for gap in (content.left() - focus_line, content.top() - focus_line,
                third.width() - 1 - content.right() - focus_line,
                third.height() - 1 - bar.bottom() - focus_line):
        assert gap >= 4, f"{gap} px between the focus line and the row's text"
