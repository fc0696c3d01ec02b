"""The "looks like the training data" gate: unfamiliar crops don't get a confident name."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from fmf_desktop.familiarity import FamiliarityError, FamiliarityGate
from fmf_desktop.imaging import load_image
from fmf_desktop.library import Library
from fmf_desktop.paths import default_labels_path, default_model_path
from fmf_desktop.recognition import FAMILIARITY_FILE, Recognizer
from fmf_desktop.results import Candidate, CharacterInfo


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _gate(rng: np.random.Generator, dims: int = 16) -> FamiliarityGate:
    centre = _unit(np.ones(dims))
    refs = _unit(centre + 0.05 * rng.normal(size=(50, dims)))
    return FamiliarityGate(references=refs.astype(np.float32), threshold=0.9, scale=0.01, k=5)


def test_crops_like_the_references_keep_their_weight_and_others_lose_it():
    rng = np.random.default_rng(0)
    gate = _gate(rng)
    like = np.r_[_unit(np.ones(16) + 0.05 * rng.normal(size=16)), rng.normal(size=8)]
    unlike = np.r_[_unit(rng.normal(size=16)), rng.normal(size=8)]  # extra dims are ignored
    assert gate.in_domain_weight(like) > 0.99
    assert gate.in_domain_weight(unlike) < 0.01
    assert gate.familiarity(np.stack([like, unlike])).shape == (2,)
    with pytest.raises(ValueError, match="needs 16"):
        gate.familiarity(np.ones(8))


def test_a_crop_nearer_the_users_photos_than_the_training_data_belongs_to_the_user():
    rng = np.random.default_rng(2)
    gate = _gate(rng)
    elsewhere = _unit(rng.normal(size=16))  # far from the training references
    photos = _unit(elsewhere + 0.05 * rng.normal(size=(6, 16))).astype(np.float32)
    near_photos = np.r_[_unit(elsewhere + 0.05 * rng.normal(size=16)), np.zeros(8)]
    like_training = np.r_[_unit(np.ones(16) + 0.05 * rng.normal(size=16)), np.zeros(8)]
    assert gate.closer_to(near_photos, photos)
    assert not gate.closer_to(like_training, photos)
    assert not gate.closer_to(near_photos, np.zeros((0, 16), np.float32))


def test_gate_file_round_trips_and_a_broken_one_says_why(tmp_path):
    gate = _gate(np.random.default_rng(1))
    path = tmp_path / "familiarity.npz"
    gate.save(path)
    loaded = FamiliarityGate.load(path)
    assert (loaded.threshold, loaded.scale, loaded.k) == pytest.approx((0.9, 0.01, 5))
    np.testing.assert_allclose(loaded.references, gate.references, atol=2e-3)
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FamiliarityError, match="not valid"):
        FamiliarityGate.load(path)


def test_recognizer_without_a_usable_gate_still_names_things(tmp_path):
    model = tmp_path / "model.tflite"
    shutil.copyfile(default_model_path(), model)
    (tmp_path / FAMILIARITY_FILE).write_text("garbage")
    rec = Recognizer(model, default_labels_path(), num_threads=1)
    assert rec.familiarity is None and "not valid" in (rec.familiarity_error or "")
    probs = np.full(len(rec.classes), 1 / len(rec.classes), np.float32)
    taught = [Candidate(CharacterInfo("Mine", "Mine", taught=True), 0.99)]
    np.testing.assert_array_equal(
        rec.bundled_scores(probs, np.ones(rec.embedding_size), taught, 0.5), probs)


def _trained_recognizer() -> Recognizer:
    if json.loads(default_labels_path().read_text(encoding="utf-8")).get("stand_in"):
        pytest.skip("the stand-in model has no familiarity gate")
    rec = Recognizer(num_threads=2)
    if rec.familiarity is None:
        pytest.skip(f"assets/{FAMILIARITY_FILE} is missing: built by `python -m training "
                    "familiarity`")
    return rec


def test_real_photos_of_other_figures_are_unfamiliar_but_drawn_faces_are_not(
        lego_dir, holoen_dir):
    """LEGO photos were never used to choose the gate's threshold."""
    rec = _trained_recognizer()
    lego = sorted(lego_dir.glob("*/*.jpg"))[::3]
    faces = sorted(holoen_dir.glob("*/*.jpg"))[::250]
    lego_unfamiliar = sum(
        rec.identify(load_image(p).rgb, whole_image=True).figurines[0].unfamiliar for p in lego
    )
    face_weights = [rec.in_domain_weight(rec.classify_crops([load_image(p).rgb])[0][1])
                    for p in faces]
    assert lego_unfamiliar / len(lego) >= 0.9, f"{lego_unfamiliar}/{len(lego)} unfamiliar"
    assert np.mean(np.array(face_weights) > 0.5) >= 0.95


def test_a_taught_figure_beats_the_bundled_classes_on_an_unfamiliar_crop(lego_dir, tmp_path):
    from fmf_desktop.library import Library
    from fmf_desktop.teaching import example_from_crop, open_matcher, teach_crop

    rec = _trained_recognizer()
    photos = sorted((lego_dir / "marvel_0005").glob("*.jpg"))
    with Library(tmp_path / "lib.sqlite3") as lib:
        key = open_matcher(lib, rec).model
        lib.teach("Mysterio", [example_from_crop(
            teach_crop(rec, load_image(p).rgb, whole_image=True), str(p)) for p in photos[:5]],
            model=key)
        matcher = open_matcher(lib, rec)
        # A taught photo itself (the surest possible match), the least familiar of them.
        results = [rec.identify(load_image(p).rgb, whole_image=True, matcher=matcher)
                   for p in photos[:5]]
        fig = min((r.figurines[0] for r in results), key=lambda f: f.familiarity)
        rgb = load_image(photos[[r.figurines[0] for r in results].index(fig)]).rgb
        assert fig.unfamiliar
        assert fig.best.id == "Mysterio" and fig.decision == "known"
        # With no taught match, the bundled classes are left alone (not discounted).
        probs, emb = rec.classify_crops([teach_crop(rec, rgb, whole_image=True).rgb])[0]
        np.testing.assert_array_equal(rec.bundled_scores(probs, emb, [], 0.5), probs)
        assert rec.bundled_scores(probs, emb, [fig.best], 0.5).sum() < 0.5 * probs.sum()


def test_an_unfamiliar_crop_is_not_sure_and_says_why(qtbot):
    from fmf_desktop._qt.results_panel import ResultsPanel
    from fmf_desktop.results import Box, Figurine

    gura = CharacterInfo("gura", "Gawr Gura", "hololive English")
    unfamiliar = Figurine(Box(0, 0, 50, 50), (Candidate(gura, 0.08),), np.zeros(4),
                          "unsure", familiarity=0.1)
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.set_figurines([unfamiliar], 0)
    assert panel.heading.text() == "Not sure"
    assert "unlike the fan-art faces" in panel.explanation.text()
    assert "Gawr Gura" in panel.explanation.text()
    familiar = Figurine(Box(0, 0, 50, 50), (Candidate(gura, 0.3),), np.zeros(4), "unsure")
    panel.set_figurines([familiar], 0)
    assert "doesn't match any character well enough" in panel.explanation.text()
    # A confident name on an unfamiliar crop is shown, with a caution.
    confident = Figurine(Box(0, 0, 50, 50), (Candidate(gura, 0.97),), np.zeros(4), "known",
                         familiarity=0.05)
    panel.set_figurines([confident], 0)
    assert panel.heading.text() == "Gawr Gura"
    assert "check this name" in panel.explanation.text()
    sure = Figurine(Box(0, 0, 50, 50), (Candidate(gura, 0.97),), np.zeros(4), "known")
    panel.set_figurines([sure], 0)
    assert panel.explanation.text() == ""


def test_identify_reports_unfamiliar_crops_in_json(tmp_path, capsys):
    from PIL import Image

    from fmf_desktop.cli import main

    rec = _trained_recognizer()
    noise = np.random.default_rng(5).integers(0, 255, (300, 300, 3), np.uint8)
    result = rec.identify(noise, whole_image=True, unsure_threshold=1.0)
    assert result.figurines[0].unfamiliar and result.figurines[0].decision == "unsure"
    photo = tmp_path / "noise.png"
    Image.fromarray(noise).save(photo)
    Library(tmp_path / "lib.sqlite3").close()  # empty: the user's library stays out of it
    assert main(["identify", "--json", "--whole-image", "--threshold", "1", "--library",
                 str(tmp_path / "lib.sqlite3"), str(photo)]) == 0
    [fig] = json.loads(capsys.readouterr().out.splitlines()[-1])["figurines"]
    assert fig["familiar"] is False and fig["decision"] == "unsure"
    assert main(["identify", "--whole-image", "--threshold", "1", "--library",
                 str(tmp_path / "lib.sqlite3"), str(photo)]) == 0
    assert "unlike the drawings the model was trained on" in capsys.readouterr().out


def test_untaught_figures_like_the_taught_ones_are_not_sure_but_anime_faces_keep_names(
        lego_dir, tmp_path):
    """Teach four LEGO figures; photos of other LEGO figures are nearer those photos than
    any training drawing, so the bundled anime classes step back and most are "not
    sure". The code-drawn sample figurine is not near them: its answer is unchanged."""
    from fmf_desktop.library import Library
    from fmf_desktop.paths import sample_image_path
    from fmf_desktop.teaching import example_from_crop, open_matcher, teach_crop

    rec = _trained_recognizer()
    folders = sorted(p for p in lego_dir.iterdir() if p.is_dir())
    taught, untaught = folders[2:6], folders[6:]
    with Library(tmp_path / "lib.sqlite3") as lib:
        key = open_matcher(lib, rec).model
        for folder in taught:
            photos = sorted(folder.glob("*.jpg"))[:5]
            lib.teach(folder.name, [example_from_crop(
                teach_crop(rec, load_image(p).rgb, whole_image=True), str(p))
                for p in photos], model=key)
        matcher = open_matcher(lib, rec)
        queries = [p for folder in untaught for p in sorted(folder.glob("*.jpg"))[::2]]
        unsure = without = 0
        for photo in queries:
            rgb = load_image(photo).rgb
            unsure += rec.identify(rgb, whole_image=True, matcher=matcher).figurines[0] \
                .decision == "unsure"
            without += rec.identify(rgb, whole_image=True).figurines[0].decision == "unsure"
        # bench_fewshot.py: about 75% end to end (20% before this rule); chance-level
        # breakage (wrong features, a gate that never fires) stays near `without`.
        assert unsure / len(queries) >= 0.6, f"{unsure}/{len(queries)} not sure"
        assert unsure > without
        sample = load_image(sample_image_path()).rgb
        plain = rec.identify(sample).figurines
        with_library = rec.identify(sample, matcher=matcher).figurines
        assert [(f.best.id, f.decision) for f in with_library] == [
            (f.best.id, f.decision) for f in plain]
        assert not any(rec.closer_to_taught(f.embedding, matcher) for f in with_library)


def test_the_subtitle_says_how_the_crop_was_made_without_stray_spaces(qtbot):
    from fmf_desktop._qt.results_panel import ResultsPanel
    from fmf_desktop.results import Box, Figurine

    panel = ResultsPanel()
    qtbot.addWidget(panel)
    no_franchise = CharacterInfo("Mysterio", "Mysterio", "", taught=True)
    gura = CharacterInfo("gura", "Gawr Gura", "hololive English")
    cases = [
        (no_franchise, "whole-image", "(whole photo)"),
        (gura, "whole-image", "hololive English (whole photo)"),
        (gura, "manual", "hololive English (box drawn by hand)"),
        (gura, "detected", "hololive English"),
    ]
    for character, origin, subtitle in cases:
        figurine = Figurine(Box(0, 0, 50, 50), (Candidate(character, 0.97),), np.zeros(4),
                            "known", origin=origin)
        panel.set_figurines([figurine], 0)
        assert panel.subheading.text() == subtitle
    empty = Figurine(Box(0, 0, 50, 50), (Candidate(no_franchise, 0.97),), np.zeros(4), "known")
    panel.set_figurines([empty], 0)
    assert panel.subheading.text() == "" and panel.subheading.isHidden()
