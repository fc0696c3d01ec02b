"""`fmf-desktop teach` and `identify --library` as a script or a user at a terminal sees them."""

from __future__ import annotations

import json
import sqlite3

import pytest

from fmf_desktop import cli
from fmf_desktop.library import Library
from fmf_desktop.paths import default_labels_path
from tests.support.photos import figure_photo


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except KeyboardInterrupt:  # would end the whole test run, not just fail this test
        pytest.fail("Ctrl+C escaped from the command as a KeyboardInterrupt")
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def photos(tmp_path):
    return [figure_photo(tmp_path / f"fig{i}.png", i) for i in range(3)]


def test_teach_then_identify_names_the_taught_figure(tmp_path, capsys, photos):
    lib = tmp_path / "lib.sqlite3"
    code, out, err = run(capsys, "teach", "--library", str(lib), "--name", "My Dragon",
                         "--franchise", "Homemade", "--whole-image", str(photos[0]))
    assert code == 0, err
    assert "Taught 'My Dragon' (Homemade): 1 new example" in out

    code, out, err = run(capsys, "identify", "--json", "--whole-image", "--library", str(lib),
                         str(photos[0]))
    assert code == 0, err
    (fig,) = json.loads(out)["figurines"]
    assert fig["top"][0]["id"] == "My Dragon"
    assert fig["top"][0]["franchise"] == "Homemade"
    assert [c["taught"] for c in fig["top"]] == [True, False, False, False, False]
    assert fig["decision"] == "known"
    # The taught figure gets shop links like a bundled character.
    assert any("My+Dragon" in s["url"] or "My%20Dragon" in s["url"] for s in fig["shops"])


def test_identify_without_the_library_does_not_know_the_taught_figure(tmp_path, capsys,
                                                                       photos):
    lib = tmp_path / "lib.sqlite3"
    run(capsys, "teach", "--library", str(lib), "--name", "My Dragon", "--whole-image",
        str(photos[0]))
    other = tmp_path / "other.sqlite3"
    Library(other).close()
    code, out, _ = run(capsys, "identify", "--json", "--whole-image", "--library",
                       str(other), str(photos[0]))
    assert code == 0
    ids = [c["id"] for c in json.loads(out)["figurines"][0]["top"]]
    assert "My Dragon" not in ids


def test_default_library_is_used_without_the_option(tmp_path, capsys, photos, monkeypatch):
    monkeypatch.setenv("FMF_DATA_DIR", str(tmp_path / "appdata"))
    code, _, err = run(capsys, "teach", "--name", "Shelf Cat", "--whole-image", str(photos[1]))
    assert code == 0, err
    assert (tmp_path / "appdata" / "library.sqlite3").is_file()
    code, out, _ = run(capsys, "identify", "--json", "--whole-image", str(photos[1]))
    assert json.loads(out)["figurines"][0]["top"][0]["id"] == "Shelf Cat"


def test_teach_adds_examples_to_an_existing_name_and_reports_bad_photos(tmp_path, capsys,
                                                                        photos):
    lib = tmp_path / "lib.sqlite3"
    run(capsys, "teach", "--library", str(lib), "--name", "Dragon", "--whole-image",
        str(photos[0]))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff not really a jpeg")
    code, out, err = run(capsys, "teach", "--library", str(lib), "--name", "dragon",
                         "--whole-image", str(photos[1]), str(broken), str(photos[2]))
    assert code == 1  # one photo failed ...
    assert "broken.jpg" in err and "skipped" in err
    assert "2 new examples, 3 in total" in out  # ... the others were taught
    with Library(lib) as library:
        (figure,) = library.figures()
        assert (figure.name, figure.examples) == ("Dragon", 3)


def test_teach_with_no_readable_photo_changes_nothing(tmp_path, capsys):
    lib = tmp_path / "lib.sqlite3"
    code, _, err = run(capsys, "teach", "--library", str(lib), "--name", "X",
                       str(tmp_path / "missing.jpg"))
    assert code == 1
    assert "nothing was taught" in err
    with Library(lib) as library:
        assert library.figures() == []


def test_teach_requires_a_name(capsys, photos):
    with pytest.raises(SystemExit) as info:
        cli.main(["teach", str(photos[0])])
    assert info.value.code == 2
    assert "--name" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "says"), [
    ("  ", "needs a name"),
    ("\u200b", "needs a name"),  # a zero-width space: looks like a name, is none
    ("A\x1b[31mred", "control characters"),
])
def test_a_name_that_cannot_be_a_figures_is_refused_before_the_model_loads(
        tmp_path, capsys, photos, monkeypatch, name, says):
    import fmf_desktop.recognition

    def no_model(*args, **kwargs):
        raise AssertionError("the model was loaded for a name that was then refused")

    monkeypatch.setattr(fmf_desktop.recognition, "Recognizer", no_model)
    lib = tmp_path / "lib.sqlite3"
    code, _, err = run(capsys, "teach", "--library", str(lib), "--name", name, str(photos[0]))
    assert code == 2 and says in err


def test_identify_with_a_read_only_library_of_an_older_model_says_why_it_misses_them(
        tmp_path, capsys, photos, monkeypatch):
    import numpy as np

    from fmf_desktop.library import NewExample, make_thumbnail
    from tests.support.storage import pretend_read_only

    folder = tmp_path / "data"
    with Library(folder / "lib.sqlite3") as library:
        thumbnail = make_thumbnail(np.full((64, 64, 3), 90, np.uint8))
        library.teach("Old Friend", [NewExample(np.ones(8), thumbnail)], model="older")
    pretend_read_only(monkeypatch, folder)
    code, _, err = run(capsys, "identify", "--json", "--whole-image", "--library",
                       str(folder / "lib.sqlite3"), str(photos[0]))
    assert code == 0
    assert "made by an older model (1 photo) and this library is read-only" in err


def test_an_unusable_default_library_still_identifies_with_the_bundled_model(
        tmp_path, capsys, photos, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    code, out, err = run(capsys, "teach", "--library", str(blocker / "lib.sqlite3"),
                         "--name", "X", str(photos[0]))
    assert code == 1 and "Could not open the figure library" in err

    monkeypatch.setenv("FMF_DATA_DIR", str(tmp_path / "appdata"))
    (tmp_path / "appdata").mkdir()
    (tmp_path / "appdata" / "library.sqlite3").write_bytes(b"garbage" * 200)
    code, out, err = run(capsys, "identify", "--json", "--whole-image", str(photos[0]))
    assert code == 0
    assert "bundled model only" in err
    assert len(json.loads(out)["figurines"][0]["top"]) == 5


def test_a_data_folder_that_cannot_be_created_does_not_stop_identify(
        tmp_path, capsys, photos, monkeypatch):
    # First run with a read-only home: the app's data folder cannot be made.
    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("x")
    monkeypatch.setenv("FMF_DATA_DIR", str(blocker / "data"))
    code, out, err = run(capsys, "identify", "--json", "--whole-image", str(photos[0]))
    assert code == 0
    assert "bundled model only" in err
    assert len(json.loads(out)["figurines"][0]["top"]) == 5


def _missing(path):
    return path


def _damaged(path):
    path.write_bytes(b"garbage" * 200)
    return path


def _folder(path):
    path.mkdir()
    return path


def _newer_library(path):
    Library(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    return path


@pytest.mark.parametrize("make_library, message", [
    (_missing, "does not exist"),
    (_damaged, "damaged"),
    (_folder, "is a folder"),
    (_newer_library, "newer version"),
])
def test_a_library_named_with_the_option_that_cannot_be_read_is_an_error(
        tmp_path, capsys, photos, make_library, message):
    lib = make_library(tmp_path / "lib.sqlite3")
    code, out, err = run(capsys, "identify", "--json", "--library", str(lib), str(photos[0]))
    assert code == 1
    assert message in err and "lib.sqlite3" in err
    assert out == ""  # no answers that silently lack the taught figures
    if make_library is _missing:
        assert not lib.exists()  # and identify did not create it


def test_a_taught_name_equal_to_a_bundled_id_is_told_apart(tmp_path, capsys, photos):
    lib = tmp_path / "lib.sqlite3"
    bundled_ids = {c["id"] for c in json.loads(default_labels_path().read_text())["classes"]}
    assert "kronii" in bundled_ids
    run(capsys, "teach", "--library", str(lib), "--name", "kronii", "--whole-image",
        str(photos[0]))
    code, out, _ = run(capsys, "identify", "--json", "--whole-image", "--library", str(lib),
                       str(photos[0]))
    top = json.loads(out)["figurines"][0]["top"]
    assert top[0]["id"] == "kronii" and top[0]["taught"] is True
    assert all(c["taught"] is False for c in top[1:])


@pytest.mark.parametrize("interrupted_in", ["load_image", "reembed_stale"])
def test_ctrl_c_before_the_figure_is_saved_teaches_nothing(tmp_path, capsys, photos,
                                                           monkeypatch, interrupted_in):
    import fmf_desktop.imaging
    import fmf_desktop.teaching

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    module = fmf_desktop.imaging if interrupted_in == "load_image" else fmf_desktop.teaching
    monkeypatch.setattr(module, interrupted_in, ctrl_c)
    lib = tmp_path / "lib.sqlite3"
    code, out, err = run(capsys, "teach", "--library", str(lib), "--name", "X", str(photos[0]))
    assert code == 130
    assert "interrupted; nothing was taught" in err and "Traceback" not in err
    with Library(lib) as library:
        assert library.figures() == []


def test_ctrl_c_after_the_figure_is_saved_says_so(tmp_path, capsys, photos, monkeypatch):
    import fmf_desktop.teaching

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fmf_desktop.teaching, "add_missing_views", ctrl_c)
    lib = tmp_path / "lib.sqlite3"
    code, _, err = run(capsys, "teach", "--library", str(lib), "--name", "X", str(photos[0]))
    assert code == 130 and "'X' was already saved" in err
    with Library(lib) as library:
        assert [f.name for f in library.figures()] == ["X"]


def test_teaching_a_blank_photo_skips_it(tmp_path, capsys, photos):
    from PIL import Image

    blank = tmp_path / "white.png"
    Image.new("RGB", (800, 600), "white").save(blank)
    lib = tmp_path / "lib.sqlite3"
    code, out, err = run(capsys, "teach", "--library", str(lib), "--name", "X", str(blank),
                         str(photos[0]))
    assert code == 1
    assert "white.png: the photo is blank" in err and "1 new example" in out


def test_teach_without_whole_image_recognises_the_same_photo_later(tmp_path, capsys, photos):
    lib = tmp_path / "lib.sqlite3"
    code, _, err = run(capsys, "teach", "--library", str(lib), "--name", "Blob", str(photos[2]))
    assert code == 0, err
    code, out, _ = run(capsys, "identify", "--json", "--library", str(lib), str(photos[2]))
    figs = json.loads(out)["figurines"]
    assert figs[0]["top"][0]["id"] == "Blob"
