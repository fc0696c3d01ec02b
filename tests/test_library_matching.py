"""Matching crops against taught figures: scores, open set, live updates, failures."""

from __future__ import annotations

import numpy as np
import pytest

from fmf_desktop.library import EmbeddingTable, Library, NewExample, TaughtFigure
from fmf_desktop.matching import LibraryMatcher, PrototypeIndex, SimilarityCalibration, model_key
from fmf_desktop.teaching import open_matcher
from tests.support.storage import pretend_read_only

DIM = 128
MODEL = "m1"


def unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float32)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def cluster(rng: np.random.Generator, centre: np.ndarray, n: int, noise: float = 0.35):
    """Photos of one figure: its 'true' embedding plus per-photo variation."""
    return unit(centre + noise * rng.normal(size=(n, DIM)) / np.sqrt(DIM))


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "lib.sqlite3") as lib:
        yield lib


def test_a_new_photo_of_a_taught_figure_is_recognised_and_a_stranger_is_not(library):
    rng = np.random.default_rng(1)
    centres = unit(rng.normal(size=(6, DIM)))
    for i, c in enumerate(centres[:5]):
        library.teach(f"fig{i}", [NewExample(e) for e in cluster(rng, c, 3)], model=MODEL)
    # The default calibration is fitted to the bundled model; these synthetic embeddings
    # (same-figure cosine ~0.9, strangers ~0) get their own.
    cal = SimilarityCalibration(center=0.5, scale=0.05)
    matcher = LibraryMatcher(library, MODEL, DIM, cal)
    for i, c in enumerate(centres[:5]):
        top = matcher.match(cluster(rng, c, 1)[0])
        assert top[0].id == f"fig{i}" and top[0].character.taught
        assert top[0].score >= 0.5  # "known" under the default threshold
        assert [t.score for t in top] == sorted((t.score for t in top), reverse=True)
        assert all(0.0 <= t.score <= 1.0 for t in top)
    stranger = matcher.match(cluster(rng, centres[5], 1)[0])
    assert stranger[0].score < 0.5  # untaught figure -> "not sure"


def test_teach_rename_and_delete_take_effect_at_once(library):
    rng = np.random.default_rng(2)
    c = unit(rng.normal(size=DIM))
    matcher = LibraryMatcher(library, MODEL, DIM)
    query = cluster(rng, c, 1)[0]
    assert matcher.match(query) == []
    fig = library.teach("Miku", [NewExample(e) for e in cluster(rng, c, 2)], model=MODEL)
    assert matcher.match(query)[0].id == "Miku"
    library.rename(fig.id, "Hatsune Miku")
    assert matcher.match(query)[0].id == "Hatsune Miku"
    library.delete_figure(fig.id)
    assert matcher.match(query) == []


def test_changes_made_by_another_process_are_seen(library):
    rng = np.random.default_rng(3)
    c = unit(rng.normal(size=DIM))
    matcher = LibraryMatcher(library, MODEL, DIM)
    assert matcher.match(c) == []
    with Library(library.path) as other:  # e.g. the CLI's `teach` while the app runs
        other.teach("Rin", [NewExample(c)], model=MODEL)
    assert matcher.match(c)[0].id == "Rin"


def test_examples_from_another_model_or_size_are_ignored(library):
    rng = np.random.default_rng(4)
    c = unit(rng.normal(size=DIM))
    library.teach("Old", [NewExample(c)], model="old-model")
    library.teach("Wrong size", [NewExample(unit(rng.normal(size=DIM * 2)))], model=MODEL)
    matcher = LibraryMatcher(library, MODEL, DIM)
    assert matcher.match(c) == []
    assert matcher.match(np.ones(7, np.float32)) == []  # a mismatched query is no crash


def test_a_failing_library_means_no_taught_matches_not_a_crash(library):
    rng = np.random.default_rng(5)
    c = unit(rng.normal(size=DIM))
    library.teach("Miku", [NewExample(c)], model=MODEL)
    matcher = LibraryMatcher(library, MODEL, DIM)
    assert matcher.match(c)[0].id == "Miku"
    library.close()  # e.g. the file vanished with a removed USB stick
    result = matcher.match(c)
    assert matcher.last_error and "figure library" in matcher.last_error
    # The last good index keeps answering until the library is back.
    assert result[0].id == "Miku"


def test_vectorised_scores_equal_a_plain_per_figure_loop():
    rng = np.random.default_rng(6)
    figures = tuple(TaughtFigure(i + 1, f"f{i}", "", "") for i in range(40))
    owner = rng.integers(0, 40, size=150).astype(np.int32)
    owner[:40] = np.arange(40)  # every figure has at least one example
    matrix = unit(rng.normal(size=(150, DIM)))
    cal = SimilarityCalibration(center=0.3, scale=0.05, nearest_weight=0.4)
    index = PrototypeIndex(EmbeddingTable(figures, owner, matrix), cal)
    queries = unit(rng.normal(size=(3, DIM)))
    got = index.scores(queries)
    whiten = index.whitening.apply  # fitted on the library; checked in test_whitening.py
    assert index.whitening.rank > 0
    for f_pos, fig in enumerate(index.figures):
        rows = whiten(matrix[owner == figures.index(fig)])
        proto = unit(rows.sum(axis=0))
        for q_pos, q in enumerate(whiten(queries)):
            sim = 0.4 * (rows @ q).max() + 0.6 * (proto @ q)
            expected = float(cal.score(sim, len(rows), len(index.figures)))
            assert got[q_pos, f_pos] == pytest.approx(expected, abs=1e-5)
    top = index.match(queries[0])
    assert len(top) == 5
    assert top[0].score == pytest.approx(float(got[0].max()), abs=1e-6)


def test_calibration_is_monotonic_and_invertible():
    cal = SimilarityCalibration(center=0.7, scale=0.05)
    sims = np.linspace(-1, 1, 201)
    scores = cal.score(sims)
    assert np.all(np.diff(scores) >= 0) and scores[0] < 0.01 and scores[-1] > 0.99
    assert float(cal.score(cal.similarity_for(0.5))) == pytest.approx(0.5)
    assert float(cal.score(cal.similarity_for(0.8))) == pytest.approx(0.8, abs=1e-4)
    for n in (1, 3):
        assert float(cal.score(cal.similarity_for(0.48, n), n)) == pytest.approx(0.48, abs=1e-4)
    labels = {"calibration": {"taught": {"center": 0.6, "scale": 0.1}}}
    assert SimilarityCalibration.from_labels(labels).center == 0.6
    assert SimilarityCalibration.from_labels({}) == SimilarityCalibration()


def test_model_key_tells_models_apart(tmp_path):
    a, b = tmp_path / "a.tflite", tmp_path / "b.tflite"
    a.write_bytes(b"model a")
    b.write_bytes(b"model b")
    assert model_key(a) != model_key(b) and model_key(a) == model_key(a)


def test_a_larger_library_asks_more_of_a_match_up_to_the_largest_measured():
    """The best of more look-alikes comes closer to an untaught figure."""
    cal = SimilarityCalibration()
    bars = [cal.similarity_for(0.48, 5, f) for f in (1, 2, 5, cal.most_figures, 500)]
    assert bars[0] < bars[1] < bars[2] < bars[3]
    assert bars[4] == pytest.approx(bars[3])  # not extrapolated past the measurements
    labels = {"calibration": {"taught": {"many_figures_rise": 0.0}}}
    flat = SimilarityCalibration.from_labels(labels)
    assert flat.similarity_for(0.48, 5, 1) == pytest.approx(flat.similarity_for(0.48, 5, 8))


def test_a_figure_taught_from_one_photo_is_accepted_at_a_lower_similarity():
    """One photo can't show how a figure varies, so its matches are looser; the bundled
    calibration asks less of them than of a figure taught from five photos."""
    cal = SimilarityCalibration()
    one, five = cal.similarity_for(0.48, 1), cal.similarity_for(0.48, 5)
    assert one < five < cal.similarity_for(0.48)
    # Same similarity, fewer examples: a higher score.
    sim = (one + five) / 2
    assert cal.score(sim, 1) > 0.48 > cal.score(sim, 5)


def test_extra_views_shape_the_whitening_but_are_neither_candidates_nor_photos():
    rng = np.random.default_rng(9)
    centre = unit(rng.normal(size=DIM))
    photo, view = cluster(rng, centre, 2)
    figures = (TaughtFigure(1, "solo", "", ""),)
    cal = SimilarityCalibration()
    with_view = PrototypeIndex(
        EmbeddingTable(figures, np.zeros(2, np.int32), np.stack([photo, view]),
                       np.array([7, 7])), cal)
    two_photos = PrototypeIndex(
        EmbeddingTable(figures, np.zeros(2, np.int32), np.stack([photo, view])), cal)
    query = cluster(rng, centre, 1)
    # The view taught the whitening (one direction: photo minus view)...
    assert with_view.whitening.rank == 1
    # ...but only the photo is matched against.
    w = with_view.whitening.apply
    expected = float((w(query) @ w(photo[None]).T)[0, 0])
    sim = float(with_view.similarities(query)[0, 0])
    assert sim == pytest.approx(expected, abs=1e-5)
    # One photo (with its view) is judged as a one-photo figure, two photos as two.
    assert float(with_view.scores(query)[0, 0]) == pytest.approx(float(cal.score(sim, 1)))
    sim2 = float(two_photos.similarities(query)[0, 0])
    assert float(two_photos.scores(query)[0, 0]) == pytest.approx(float(cal.score(sim2, 2)))


def test_the_matcher_completes_new_examples_before_it_rebuilds(library):
    calls = []

    def before_rebuild(lib):
        calls.append(lib.revision)
        for example_id, _ in lib.examples_without_views(MODEL):
            lib.set_views([(example_id, np.zeros((0, DIM)))])

    matcher = LibraryMatcher(library, MODEL, DIM, SimilarityCalibration(center=0.5),
                             before_rebuild=before_rebuild)
    assert len(matcher.index()) == 0 and len(calls) == 1
    rng = np.random.default_rng(2)
    library.teach("fig", [NewExample(unit(rng.normal(size=DIM)), b"jpeg")], model=MODEL)
    # It completes the new example, then checks once more that nothing is left.
    assert len(matcher.index()) == 1 and len(calls) == 3
    assert library.examples_without_views(MODEL) == []
    # Its own writes don't make the next call rebuild again.
    matcher.index()
    assert len(calls) == 3


def test_examples_taught_while_the_matcher_completes_others_are_completed_too(library):
    # The app teaches on one thread while photos are named on another: a figure taught
    # while the views of the previous one are being made must not enter the index
    # half-done (photos were then named differently from run to run).
    rng = np.random.default_rng(3)
    library.teach("first", [NewExample(unit(rng.normal(size=DIM)), b"jpeg")], model=MODEL)
    taught_meanwhile = []

    def before_rebuild(lib):
        missing = lib.examples_without_views(MODEL)
        if not taught_meanwhile:
            taught_meanwhile.append(True)
            lib.teach("second", [NewExample(unit(rng.normal(size=DIM)), b"jpeg")],
                      model=MODEL)
        for example_id, _ in missing:
            lib.set_views([(example_id, np.zeros((1, DIM)))])

    matcher = LibraryMatcher(library, MODEL, DIM, SimilarityCalibration(center=0.5),
                             before_rebuild=before_rebuild)
    assert len(matcher.index()) == 2
    assert library.examples_without_views(MODEL) == []


class _NeverCalledModel:
    """A model for open_matcher that must not be run: nothing it made could be saved."""

    embedding_size = DIM

    def __init__(self, folder) -> None:
        self.model_path = folder / "model.tflite"
        self.model_path.write_bytes(b"stand-in model")
        self.labels_path = folder / "labels.json"  # absent: default calibration
        self.crops = 0

    def classify_crops(self, crops):
        self.crops += len(crops)
        return [(np.ones(3), np.full(DIM, 0.1, np.float32)) for _ in crops]


def test_a_read_only_library_still_recognises_its_taught_figures(tmp_path, monkeypatch):
    model = _NeverCalledModel(tmp_path)
    key = model_key(model.model_path)
    rng = np.random.default_rng(4)
    photos = cluster(rng, unit(rng.normal(size=DIM)), 2)
    folder = tmp_path / "data"
    with Library(folder / "library.sqlite3") as lib:
        # With thumbnails, so a writable library would have the model make extra views.
        lib.teach("Miku", [NewExample(p, b"jpeg") for p in photos], model=key)
    pretend_read_only(monkeypatch, folder)
    with Library(folder / "library.sqlite3") as lib:
        assert lib.read_only
        matcher = open_matcher(lib, model)
        top = matcher.match(photos[0])
        assert top[0].id == "Miku" and top[0].score > 0.5
        assert model.crops == 0  # no inference spent on views that could not be stored
