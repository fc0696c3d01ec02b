"""Few-shot teaching on real photos of physical figures (needs the trained model)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fmf_desktop.imaging import load_image
from fmf_desktop.library import Library
from fmf_desktop.paths import default_labels_path
from fmf_desktop.recognition import Recognizer
from fmf_desktop.teaching import example_from_crop, open_matcher, teach_crop

FIGURES = 10
SHOTS = 5
QUERIES = 3


@pytest.fixture(scope="module")
def recognizer():
    labels = json.loads(default_labels_path().read_text(encoding="utf-8"))
    if labels.get("stand_in"):
        pytest.skip("assets/labels.json is the stand-in model (random weights): few-shot "
                    "accuracy cannot be judged until the trained model lands")
    return Recognizer(num_threads=2)


def test_five_photos_teach_a_lego_figure_well_enough_to_name_new_photos(
        recognizer, lego_dir, tmp_path):
    rng = np.random.default_rng(7)
    folders = sorted(p for p in lego_dir.iterdir() if p.is_dir())[:FIGURES]
    queries = []
    with Library(tmp_path / "lib.sqlite3") as lib:
        key = open_matcher(lib, recognizer).model
        for folder in folders:
            photos = list(rng.permutation(sorted(folder.glob("*.jpg"))))
            examples = [
                example_from_crop(teach_crop(recognizer, load_image(p).rgb, whole_image=True),
                                  str(p))
                for p in photos[:SHOTS]
            ]
            lib.teach(folder.name, examples, model=key)
            queries += [(folder.name, p) for p in photos[SHOTS:SHOTS + QUERIES]]
        matcher = open_matcher(lib, recognizer)
        taught_right = merged_right = 0
        for name, photo in queries:
            result = recognizer.identify(load_image(photo).rgb, whole_image=True,
                                         matcher=matcher)
            fig = result.figurines[0]
            taught_right += matcher.match(fig.embedding)[0].id == name
            merged_right += fig.best.id == name and fig.decision == "known"
    # bench_fewshot.py measures this properly (80% top-1 at 5 shots over 20 draws of all
    # 10 figures, two of which are byte-identical copies). Here one draw of 30 new photos;
    # chance is 10%, so a 50% bound still catches a broken pipeline (wrong crops, mixed-up
    # embeddings or model keys).
    assert taught_right / len(queries) >= 0.5, f"{taught_right}/{len(queries)} named right"
    # End to end the bundled classes compete, but step back for a taught match because
    # LEGO photos look nothing like their training drawings (78% right and "known" in
    # the benchmark): most taught figures must win with a "known" answer.
    assert merged_right / len(queries) >= 0.4, f"{merged_right}/{len(queries)} right end to end"


def test_a_photo_of_a_taught_lego_figure_is_named_without_asking_for_the_whole_photo(
        recognizer, lego_dir, tmp_path):
    """Dropped as it is (boxes located): the head locator boxes a hand or a helmet on these
    close-ups, and the second look at the whole photo must find the taught figure."""
    rng = np.random.default_rng(11)
    # harry-potter_0001's photos are byte-identical copies of harry-potter_0002's.
    folders = [p for p in sorted(lego_dir.iterdir()) if p.is_dir()
               and p.name != "harry-potter_0001"]
    queries = []
    with Library(tmp_path / "lib.sqlite3") as lib:
        key = open_matcher(lib, recognizer).model
        for folder in folders:
            photos = list(rng.permutation(sorted(folder.glob("*.jpg"))))
            lib.teach(folder.name, [
                example_from_crop(teach_crop(recognizer, load_image(p).rgb, whole_image=True),
                                  str(p))
                for p in photos[:SHOTS]
            ], model=key)
            queries += [(folder.name, p) for p in photos[SHOTS:SHOTS + QUERIES]]
        matcher = open_matcher(lib, recognizer)
        right = 0
        for name, photo in queries:
            figs = recognizer.identify(load_image(photo).rgb, matcher=matcher).figurines
            right += any(f.best.id == name and f.decision == "known" for f in figs)
    # bench_fewshot.py: 86% through this path over 5 draws (42% without the second look).
    assert right / len(queries) >= 0.6, f"{right}/{len(queries)} named right"


def test_a_shelf_keeps_its_boxes_when_one_figurine_was_taught_from_close_ups(
        recognizer, tmp_path):
    """The second look must not swallow a shelf: taught as whole close-ups, one figurine
    is still found on the shelf photo among the others, each in its own box."""
    from tests.support.photos import drawn_shelf

    shelf, heads = drawn_shelf(seed=3)
    found_alone = recognizer.identify(shelf).figurines
    big = max(heads, key=lambda b: b.w)
    close_ups = []
    for grow, shift in ((1.6, 0.0), (1.9, 0.05), (2.2, -0.05)):  # three framings
        x0 = int(big.x + big.w * (0.5 + shift) - big.w * grow / 2)
        close = shelf[max(0, big.y - big.h // 3):big.y + int(big.h * grow * 1.3),
                      max(0, x0):x0 + int(big.w * grow)]
        close_ups += [close, close[:, ::-1].copy()]
    with Library(tmp_path / "lib.sqlite3") as lib:
        key = open_matcher(lib, recognizer).model
        lib.teach("My figurine", [
            example_from_crop(teach_crop(recognizer, c, whole_image=True), "close-up")
            for c in close_ups[:5]
        ], model=key)
        matcher = open_matcher(lib, recognizer)
        on_shelf = recognizer.identify(shelf, matcher=matcher).figurines
        [close] = recognizer.identify(close_ups[5], matcher=matcher).figurines
    assert len(on_shelf) == len(found_alone) >= 4
    assert all(f.origin == "detected" for f in on_shelf)
    assert close.best.id == "My figurine" and close.decision == "known"
