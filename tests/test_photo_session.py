"""The photo session when the taught figures or the boxes change while a photo is being
identified: what the user ends up seeing must reflect the latest of both."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from fmf_desktop._qt.photo_session import PhotoSession
from fmf_desktop.recognition import decide
from fmf_desktop.results import Box, Candidate, CharacterInfo, Figurine, PhotoResult
from tests.support.gui_helpers import WAIT_MS, write_photo


class NamedMatcher:
    """Stands for a taught-figure library at one moment: results name it."""

    def __init__(self, name: str) -> None:
        self.name = name


class GatedRecognizer:
    """Holds each identification until the test lets it finish, and names every box
    after the matcher it was given, so a test can tell which library a result used."""

    unsure_threshold = 0.5
    classes: list[CharacterInfo] = []

    def __init__(self) -> None:
        self.started = threading.Semaphore(0)
        self.release = threading.Semaphore(0)

    def identify(self, rgb, *, whole_image=False, boxes=None, regions=None,
                 unsure_threshold=None, matcher=None, path=None) -> PhotoResult:
        self.started.release()
        assert self.release.acquire(timeout=30), "the test never let this job finish"
        h, w = rgb.shape[:2]
        if regions is None:
            given = boxes or [Box(10, 10, 50, 50), Box(100, 100, 50, 50)]
            regions = [(b, "manual" if boxes else "detected") for b in given]
        name = matcher.name if matcher is not None else "bundled only"
        top = (Candidate(CharacterInfo(name, name), 0.9),)
        figs = tuple(
            Figurine(box=b, top=top, embedding=np.zeros(8, np.float32),
                     decision=decide(top, 0.5), origin=origin)
            for b, origin in regions
        )
        return PhotoResult(path=path, width=w, height=h, figurines=figs)


@pytest.fixture
def session(qtbot, tmp_path):
    recognizer = GatedRecognizer()
    session = PhotoSession(lambda _threads: recognizer)
    session.start_model_loading()
    qtbot.waitUntil(lambda: session.model_state == "ready", timeout=WAIT_MS)
    session.add_files([str(write_photo(tmp_path / "shelf.png", size=(320, 240)))])
    yield session, recognizer
    for _ in range(10):  # let any job still waiting finish so the threads can stop
        recognizer.release.release()
    session.wait_idle(WAIT_MS)


def shown_names(session: PhotoSession) -> list[str]:
    result = session.items[0].result
    return [] if result is None else [f.best.name for f in result.figurines]


def wait_started(qtbot, recognizer: GatedRecognizer) -> None:
    # Polls, so the event loop keeps running: decoding reports back through it.
    qtbot.waitUntil(lambda: recognizer.started.acquire(blocking=False), timeout=WAIT_MS)


def finish_next(qtbot, recognizer: GatedRecognizer) -> None:
    """Wait for the next identification to start, and let it finish."""
    wait_started(qtbot, recognizer)
    recognizer.release.release()


def wait_shown(qtbot, session: PhotoSession, names: list[str]) -> None:
    qtbot.waitUntil(lambda: not session.busy and shown_names(session) == names,
                    timeout=WAIT_MS)
    assert not session.items[0].stale


def start_reidentifying(qtbot, session: PhotoSession, recognizer: GatedRecognizer,
                        name: str = "library v1") -> None:
    """The library changes (now `name`) and every photo is identified again: started."""
    session.matcher = NamedMatcher(name)
    session.reidentify_all()
    wait_started(qtbot, recognizer)


def test_taught_figures_that_arrive_during_the_first_identification_are_used(
        session, qtbot):
    # The app opened with a photo: it is identified before the library is ready.
    session, recognizer = session
    wait_started(qtbot, recognizer)
    session.matcher = NamedMatcher("library v1")
    session.reidentify_all()
    recognizer.release.release()
    finish_next(qtbot, recognizer)  # identified again, with the library
    wait_shown(qtbot, session, ["library v1", "library v1"])


def test_a_library_change_during_reidentification_is_not_lost(session, qtbot):
    session, recognizer = session
    finish_next(qtbot, recognizer)
    wait_shown(qtbot, session, ["bundled only", "bundled only"])
    start_reidentifying(qtbot, session, recognizer)
    # A rename while that runs: the running job still names the boxes with v1.
    session.matcher = NamedMatcher("library v2")
    session.reidentify_all()
    recognizer.release.release()
    finish_next(qtbot, recognizer)
    wait_shown(qtbot, session, ["library v2", "library v2"])


def test_a_box_deleted_during_reidentification_stays_deleted(session, qtbot):
    session, recognizer = session
    finish_next(qtbot, recognizer)
    wait_shown(qtbot, session, ["bundled only", "bundled only"])
    start_reidentifying(qtbot, session, recognizer)
    assert session.delete_figurine(1)  # the user removes a wrong box meanwhile
    recognizer.release.release()
    finish_next(qtbot, recognizer)  # the edited boxes are named again
    wait_shown(qtbot, session, ["library v1"])
    # The deletion stays undoable (behind the renaming, itself a step: see _on_identified).
    assert session.undo() and session.undo()
    assert len(session.items[0].result.figurines) == 2


def test_a_photo_made_stale_while_a_drawn_box_is_identified_is_identified_again(
        session, qtbot):
    session, recognizer = session
    finish_next(qtbot, recognizer)
    wait_shown(qtbot, session, ["bundled only", "bundled only"])
    assert session.add_manual_box(Box(200, 150, 60, 60))
    wait_started(qtbot, recognizer)
    session.matcher = NamedMatcher("library v1")
    session.reidentify_all()
    recognizer.release.release()
    finish_next(qtbot, recognizer)  # started without the user navigating
    wait_shown(qtbot, session, ["library v1"] * 3)
