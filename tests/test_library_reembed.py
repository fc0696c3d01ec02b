"""When the bundled model changes, taught figures are re-embedded from their thumbnails."""

from __future__ import annotations

import numpy as np

from fmf_desktop.library import (
    Library,
    LibraryError,
    NewExample,
    decode_thumbnail,
    make_thumbnail,
)
from fmf_desktop.recognition import Recognizer
from fmf_desktop.teaching import (
    add_missing_views,
    current_model_key,
    extra_views,
    open_matcher,
)
from tests.support.storage import pretend_read_only


def test_examples_of_an_older_model_are_re_embedded_and_match_again(tmp_path):
    recognizer = Recognizer(num_threads=1)
    rng = np.random.default_rng(3)
    crop = np.repeat(np.repeat(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8), 32, 0), 32, 1)
    thumb = make_thumbnail(crop)
    with Library(tmp_path / "lib.sqlite3") as lib:
        # Taught with some earlier model: its embedding means nothing to the current one.
        lib.teach("Old Friend", [NewExample(rng.normal(size=64), thumb, "photo.jpg")],
                  model="an-older-model")
        key = current_model_key(recognizer)
        assert lib.embedding_table(key).matrix.shape[0] == 0
        matcher = open_matcher(lib, recognizer)
        assert lib.stale_examples(key) == []
        table = lib.embedding_table(key, recognizer.embedding_size)
        # The re-embedded photo, then its extra view (made for the new model too).
        views = len(extra_views(decode_thumbnail(thumb)))
        assert table.matrix.shape == (1 + views, recognizer.embedding_size)
        assert len(set(table.example.tolist())) == 1
        (_, embedding), = recognizer.classify_crops([decode_thumbnail(thumb)])
        top = matcher.match(embedding)
        assert top[0].id == "Old Friend" and top[0].score > 0.9


def test_a_read_only_library_of_an_older_model_says_why_its_figures_are_not_matched(
        tmp_path, monkeypatch):
    recognizer = Recognizer(num_threads=1)
    folder = tmp_path / "data"
    thumb = make_thumbnail(np.full((64, 64, 3), 120, np.uint8))
    with Library(folder / "lib.sqlite3") as lib:
        lib.teach("Old Friend", [NewExample(np.ones(64), thumb)], model="an-older-model")
    pretend_read_only(monkeypatch, folder)
    with Library(folder / "lib.sqlite3") as lib:
        matcher = open_matcher(lib, recognizer)
        assert len(matcher) == 0
        assert "made by an older model (1 photo) and this library is read-only: make its " \
            "folder writable" in (matcher.last_error or "")


class CountingModel:
    """Stands in for the Recognizer: counts the crops it embeds."""

    embedding_size = 16

    def __init__(self) -> None:
        self.crops: list[np.ndarray] = []

    def classify_crops(self, crops):
        self.crops += crops
        return [(np.ones(3), np.full(self.embedding_size, 0.25, np.float32)) for _ in crops]


def test_views_are_made_once_from_the_thumbnail_and_a_broken_thumbnail_is_not_retried(
        tmp_path):
    model = CountingModel()
    crop = np.full((256, 256, 3), 90, np.uint8)
    with Library(tmp_path / "lib.sqlite3") as lib:
        lib.teach("Good", [NewExample(np.ones(16), make_thumbnail(crop))], model="k")
        lib.teach("Broken", [NewExample(np.ones(16) * -1, b"not a jpeg")], model="k")
        assert add_missing_views(lib, model, "k") == 2
        # The view is the thumbnail's centre, zoomed: smaller than the thumbnail.
        assert len(model.crops) == len(extra_views(crop))
        assert model.crops[0].shape[0] < 256
        assert add_missing_views(lib, model, "k") == 0  # nothing left, nothing retried
        assert len(model.crops) == 1
        assert lib.embedding_table("k", 16).matrix.shape == (3, 16)


def test_a_read_only_library_matches_without_views(tmp_path):
    model = CountingModel()
    path = tmp_path / "lib.sqlite3"
    with Library(path) as lib:
        lib.teach("Good", [NewExample(np.ones(16), make_thumbnail(np.zeros((64, 64, 3),
                                                                           np.uint8)))],
                  model="k")
    with Library(path) as lib:
        def refuse(_updates):
            raise LibraryError("The figure library is read-only.")

        lib.set_views = refuse  # what a read-only or full disk does to the write
        assert add_missing_views(lib, model, "k") == 1
        assert lib.embedding_table("k", 16).matrix.shape == (1, 16)
