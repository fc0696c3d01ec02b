"""Shared test fixtures. Feature-specific helpers live in tests/support/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Qt must never try to open a real display in tests.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
ASSETS = PROJECT_ROOT / "assets"


@pytest.fixture(scope="session")
def holoen_dir() -> Path:
    path = SHARED_DATA / "holoen-faces"
    if not path.is_dir():
        pytest.skip(f"training data not found at {path} (../shared/data is absent)")
    return path


@pytest.fixture(scope="session")
def lego_dir() -> Path:
    path = SHARED_DATA / "lego-minifig-photos"
    if not path.is_dir():
        pytest.skip(f"real figure photos not found at {path} (../shared/data is absent)")
    return path


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Screenshots and other outputs a person should look at after a test run."""
    path = PROJECT_ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _isolated_app_data(tmp_path_factory, monkeypatch):
    """Every test gets its own app data folder (taught-figure library, collection), so
    tests never read or write the real user's files."""
    monkeypatch.setenv("FMF_DATA_DIR", str(tmp_path_factory.mktemp("appdata")))


#: Characters in the shared camera-mode test clip.
SHELF_CHARACTERS = ("gura", "ame", "calli")


@pytest.fixture(scope="session")
def shelf_clip(tmp_path_factory, holoen_dir, lego_dir):
    """A clip panning along a shelf: dev-data faces on real photo backgrounds (built once)."""
    from fmf_desktop.recognition import Recognizer
    from tests.support.clips import make_shelf_clip, pick_recognisable_faces

    faces = pick_recognisable_faces(holoen_dir, SHELF_CHARACTERS, Recognizer(), lego_dir=lego_dir)
    out = tmp_path_factory.mktemp("clips") / "shelf.avi"
    return make_shelf_clip(out, holoen_dir, lego_dir, faces, seconds=2.0, fps=15)
