"""Helpers for the GUI tests: isolated settings, a scripted recognizer, photo files.

The scripted recognizer returns fixed, known results so tests can check what the user
sees (names, "not sure", shop URLs) without depending on the model's weights, which are
a random stand-in until the trained model lands.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSettings

from fmf_desktop._qt.app import build_window
from fmf_desktop._qt.main_window import MainWindow
from fmf_desktop._qt.settings import AppSettings
from fmf_desktop.paths import default_labels_path, sample_image_path
from fmf_desktop.recognition import decide
from fmf_desktop.results import Box, Candidate, CharacterInfo, Figurine, PhotoResult
from tests.support.assets import model_is_stand_in

WAIT_MS = 20000  # generous: the CI machine's two cores are shared with other jobs


def label_characters() -> list[CharacterInfo]:
    doc = json.loads(default_labels_path().read_text(encoding="utf-8"))
    return [
        CharacterInfo(c["id"], c["name"], c.get("franchise", ""), c.get("query", ""))
        for c in doc["classes"]
    ]


def is_stand_in_model() -> bool:
    return model_is_stand_in()


class ScriptedRecognizer:
    """Same interface as recognition.Recognizer; every photo holds the same figurines.

    Detected figurines: one confident (87%) at the upper left, one unsure (31%) at the
    lower right. A box given by the caller gets a 64% answer for the third character.
    """

    def __init__(self, threads: int = 1, *, gate: threading.Event | None = None) -> None:
        if gate is not None:  # lets a test hold the "model" in its loading state
            gate.wait(30)
        self.threads = threads
        self.classes = label_characters()
        self.unsure_threshold = 0.5

    def _top(self, first: int, score: float) -> tuple[Candidate, ...]:
        rest = (1.0 - score) / 4
        order = [first] + [i for i in range(len(self.classes)) if i != first][:4]
        return tuple(
            Candidate(self.classes[i], score if n == 0 else rest * (1 - n * 0.1))
            for n, i in enumerate(order)
        )

    def identify(self, rgb, *, whole_image=False, boxes=None, regions=None,
                 unsure_threshold=None, matcher=None, path=None) -> PhotoResult:
        h, w = rgb.shape[:2]
        threshold = self.unsure_threshold if unsure_threshold is None else unsure_threshold
        if regions is not None:  # an earlier result named again: a given box's answer
            answers = [(b, self._top(2, 0.64), origin) for b, origin in regions]
        elif boxes is None:
            answers = [
                (Box(w // 10, h // 10, w // 4, h // 3), self._top(0, 0.87), "detected"),
                (Box(w // 2, h // 2, w // 5, h // 4), self._top(1, 0.31), "detected"),
            ]
        else:
            answers = [(b, self._top(2, 0.64), "manual") for b in boxes]
        figs = tuple(
            Figurine(box=b, top=top, embedding=np.zeros(8, np.float32),
                     decision=decide(top, threshold), origin=origin)
            for b, top, origin in answers
        )
        return PhotoResult(path=path, width=w, height=h, figurines=figs)


def temp_settings(folder: Path) -> AppSettings:
    """Settings in an ini file under ``folder``: the user's real settings stay untouched."""
    return AppSettings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))


def write_photo(path: Path, size: tuple[int, int] = (640, 480), seed: int = 0) -> Path:
    """A small made-up photo (smooth colours), written with Pillow in the format of
    ``path``'s suffix."""
    rng = np.random.default_rng(seed)
    w, h = size
    gradient = np.linspace(60, 200, w, dtype=np.float32)[None, :, None]
    img = np.clip(gradient + rng.normal(0, 10, (h, w, 3)), 0, 255).astype(np.uint8)
    Image.fromarray(img).save(path)
    return path


def screenshot(widget, path: Path) -> None:
    """Save what the user would see: layouts show new children on the next event loop
    pass, so let that run first."""
    from PySide6.QtWidgets import QApplication

    for _ in range(3):
        QApplication.processEvents()
    widget.grab().save(str(path))


def sample_photo() -> Path:
    return sample_image_path()


def open_window(qtbot, settings: AppSettings, factory) -> MainWindow:
    window = build_window(settings, factory)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.session.start_model_loading()
    return window


def wait_for_result(qtbot, window: MainWindow, index: int | None = None) -> PhotoResult:
    session = window.session

    def finished() -> bool:
        i = session.current if index is None else index
        item = session.items[i] if 0 <= i < len(session.items) else None
        return item is not None and (item.result is not None or item.error is not None)

    qtbot.waitUntil(finished, timeout=WAIT_MS)
    i = session.current if index is None else index
    item = session.items[i]
    assert item.error is None, item.error
    return item.result


@pytest.fixture
def gui_settings(tmp_path) -> AppSettings:
    return temp_settings(tmp_path)


@pytest.fixture
def scripted_window(qtbot, gui_settings):
    window = open_window(qtbot, gui_settings, lambda threads: ScriptedRecognizer(threads))
    yield window
    window.session.wait_idle(WAIT_MS)


@pytest.fixture(scope="session")
def shared_recognizer():
    from fmf_desktop.recognition import Recognizer

    return Recognizer(num_threads=1)


@pytest.fixture
def real_window(qtbot, gui_settings, shared_recognizer):
    window = open_window(qtbot, gui_settings, lambda threads: shared_recognizer)
    yield window
    window.session.wait_idle(WAIT_MS)
