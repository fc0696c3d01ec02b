"""The command line: identify (table and JSON lines), exit codes, selftest, version."""

from __future__ import annotations

import argparse
import errno
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from fmf_desktop import __version__, cli
from fmf_desktop.paths import sample_image_path
from tests.support.photos import drawn_shelf
from tests.support.processes import interrupt


@pytest.fixture()
def photos(tmp_path):
    img, _ = drawn_shelf(1200, 800, [(0.3, 200), (0.7, 150)])
    shelf = tmp_path / "shelf.png"
    cv2.imwrite(str(shelf), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 definitely not the rest of a jpeg")
    return shelf, broken


def _run(argv, capsys):
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_lines_schema_and_exit_1_when_a_file_fails(photos, capsys):
    shelf, broken = photos
    code, out, _ = _run(["identify", "--json", str(shelf), str(broken), str(sample_image_path())],
                        capsys)
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["path"] for d in lines] == [str(shelf), str(broken), str(sample_image_path())]
    ok = lines[0]
    assert set(ok) == {"path", "figurines"} and len(ok["figurines"]) >= 2
    for fig in ok["figurines"]:
        assert set(fig) == {"box", "decision", "origin", "familiar", "top", "shops"}
        assert fig["origin"] == "detected"
        x, y, w, h = fig["box"]
        assert all(isinstance(v, int) for v in fig["box"])
        assert x >= 0 and y >= 0 and x + w <= 1200 and y + h <= 800 and w > 0 and h > 0
        assert fig["decision"] in ("known", "unsure")
        assert len(fig["top"]) == 5
        for entry in fig["top"]:
            assert set(entry) == {"id", "name", "franchise", "score", "taught"}
            assert 0.0 <= entry["score"] <= 1.0
            assert entry["taught"] is False  # no library: bundled characters only
        assert len(fig["shops"]) >= 5
        assert all(set(s) == {"name", "url"} and s["url"].startswith("https://")
                   for s in fig["shops"])
    assert set(lines[1]) == {"path", "error"} and "broken.jpg" in lines[1]["error"]
    assert "figurines" in lines[2]  # kept going after the bad file


def test_exit_0_when_all_files_read(photos, capsys):
    shelf, _ = photos
    code, out, _ = _run(["identify", "--json", "--whole-image", str(shelf)], capsys)
    assert code == 0
    doc = json.loads(out)
    assert len(doc["figurines"]) == 1 and doc["figurines"][0]["box"] == [0, 0, 1200, 800]


def test_threshold_option_changes_the_decision(photos, capsys):
    shelf, _ = photos
    _, out, _ = _run(["identify", "--json", "--whole-image", "--threshold", "0", str(shelf)],
                     capsys)
    assert json.loads(out)["figurines"][0]["decision"] == "known"
    _, out, _ = _run(["identify", "--json", "--whole-image", "--threshold", "1", str(shelf)],
                     capsys)
    assert json.loads(out)["figurines"][0]["decision"] == "unsure"


def test_boxes_are_in_original_pixels_when_the_photo_is_downscaled(tmp_path, capsys):
    img, truth = drawn_shelf(2800, 1700, [(0.5, 500)])  # larger than the 2048 px bound
    path = tmp_path / "big.jpg"
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    _, out, _ = _run(["identify", "--json", str(path)], capsys)
    x, y, w, h = json.loads(out)["figurines"][0]["box"]
    head = truth[0]
    assert head.x <= x + w / 2 <= head.x + head.w and head.y <= y + h / 2 <= head.y + head.h


def test_human_readable_table(photos, capsys):
    shelf, broken = photos
    code, out, err = _run(["identify", str(shelf), str(broken)], capsys)
    assert code == 1
    assert "shelf.png (1200x800)" in out and "#1 at x=" in out and "%" in out
    assert err.count("broken.jpg") == 1 and "incomplete or damaged" in err


def test_the_table_names_a_whole_photo_answer_without_empty_brackets():
    taught = {"id": "Mysterio", "name": "Mysterio", "franchise": "", "score": 0.97}
    whole = {"box": [0, 0, 640, 480], "decision": "known", "origin": "whole-image",
             "familiar": False, "top": [taught], "shops": []}
    located = {**whole, "box": [10, 20, 30, 40], "origin": "detected",
               "top": [{**taught, "franchise": "Marvel"}]}
    table = cli.format_table("lego.jpg", 640, 480, [whole, located])
    assert "#1 at the whole photo: Mysterio\n" in table
    assert "#2 at x=10 y=20 w=30 h=40: Mysterio (Marvel)" in table
    assert "()" not in table


def test_usage_errors_exit_2(capsys):
    for argv in (["identify"], ["identify", "--threshold", "2", "x.jpg"], ["--no-such-flag"]):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 2
    assert "usage" in capsys.readouterr().err


def test_photos_without_subcommand_open_the_gui(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(cli, "_run_gui", lambda paths: calls.append(paths) or 0)
    no_extension = tmp_path / "IMG0001"  # an existing file is a photo, extension or not
    no_extension.write_bytes(b"")
    assert cli.main(["a.jpg", "b.png"]) == 0
    assert cli.main([]) == 0
    assert cli.main([str(no_extension)]) == 0
    assert calls == [["a.jpg", "b.png"], [], [str(no_extension)]]


def test_an_unknown_word_is_an_unknown_command_not_a_photo(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_run_gui", lambda paths: pytest.fail("opened the window"))
    for word in ("frobnicate", "identfy"):
        with pytest.raises(SystemExit) as info:
            cli.main([word])
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert f"unknown command '{word}'" in err and "identify, teach, live" in err
    with pytest.raises(SystemExit):
        cli.main(["identfy", "x.jpg"])
    assert "did you mean 'identify'?" in capsys.readouterr().err


def test_selftest_and_version_via_python_m():
    done = subprocess.run([sys.executable, "-m", "fmf_desktop", "--selftest"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "sample.jpg" in done.stdout and "selftest OK" in done.stdout
    version = subprocess.run([sys.executable, "-m", "fmf_desktop", "--version"],
                             capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and __version__ in version.stdout


def test_selftest_fails_clearly_without_the_sample(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("FMF_ASSETS_DIR", str(tmp_path))
    code = cli.main(["--selftest"])
    assert code != 0
    assert "sample" in capsys.readouterr().err


def test_identify_writes_json_to_a_given_stream(photos):
    shelf, _ = photos
    out, err = io.StringIO(), io.StringIO()
    assert cli.identify_paths([str(shelf)], as_json=True, out=out, err=err) == 0
    assert json.loads(out.getvalue())["path"] == str(shelf)


def test_bundled_sample_is_the_code_drawn_picture(tmp_path):
    # The shipped sample must come from our own drawing code, never from the dataset.
    from training.make_sample import main as make_sample

    out = tmp_path / "sample.jpg"
    assert make_sample(["--out", str(out)]) == 0
    fresh = cv2.imread(str(out)).astype(int)
    shipped = cv2.imread(str(sample_image_path())).astype(int)
    assert fresh.shape == shipped.shape
    assert abs(fresh - shipped).mean() < 2.0


def test_a_blank_photo_lists_no_figurines_unless_the_whole_photo_is_asked_for(tmp_path,
                                                                            capsys):
    from PIL import Image

    white = tmp_path / "white.png"
    Image.new("RGB", (800, 600), "white").save(white)
    transparent = tmp_path / "transparent.png"
    Image.new("RGBA", (800, 600), (200, 30, 30, 0)).save(transparent)
    code, out, _ = _run(["identify", "--json", str(white), str(transparent)], capsys)
    assert code == 0
    assert [json.loads(line)["figurines"] for line in out.splitlines()] == [[], []]
    code, out, _ = _run(["identify", str(white)], capsys)
    assert "white.png (800x600): 0 figurines" in out
    _, out, _ = _run(["identify", "--json", "--whole-image", str(white)], capsys)
    (fig,) = json.loads(out)["figurines"]
    assert fig["box"] == [0, 0, 800, 600] and len(fig["top"]) == 5


def test_boxes_stay_inside_a_very_thin_photo(tmp_path, capsys):
    # 3x3000: the decoded copy is 2 px wide, so a width-based factor made it 3072 tall.
    ramp = np.linspace(0, 255, 3000, dtype=np.uint8)
    thin = tmp_path / "thin.png"
    cv2.imwrite(str(thin), np.repeat(ramp[:, None, None], 3, axis=1).repeat(3, axis=2))
    _, out, _ = _run(["identify", "--json", "--whole-image", str(thin)], capsys)
    assert json.loads(out)["figurines"][0]["box"] == [0, 0, 3, 3000]


def test_usage_errors_for_thread_counts_and_empty_library_names(tmp_path, capsys,
                                                                monkeypatch):
    monkeypatch.setenv("FMF_DATA_DIR", str(tmp_path / "appdata"))
    photo = str(sample_image_path())
    for argv in (*(["identify", "--threads", n, photo] for n in ("0", "-3", "65", "two")),
                 *(["live", "--threads", n, "--source", photo] for n in ("0", "50000")),
                 ["identify", "--library", "", photo],
                 ["teach", "--library", "", "--name", "X", photo]):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 2, argv
    err = capsys.readouterr().err
    assert "must be between 1 and 64" in err and "must name a file" in err
    assert not (tmp_path / "appdata").exists()  # nothing went to the default library


def test_errors_name_the_file_once_and_an_empty_name_is_not_a_folder(tmp_path, capsys):
    missing = str(tmp_path / "missing.jpg")
    code, _, err = _run(["identify", missing, ""], capsys)
    assert code == 1
    assert err.count("missing.jpg") == 1 and "file not found" in err
    assert "empty" in err and "folder" not in err


def test_json_lines_are_valid_utf8_whatever_the_file_names(tmp_path, photos):
    shelf, _ = photos
    try:
        odd = tmp_path / os.fsdecode(b"bad\xff\xfename.png")  # not UTF-8: Linux allows it
        odd.write_bytes(shelf.read_bytes())
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    japanese = tmp_path / "フィギュア.png"
    japanese.write_bytes(shelf.read_bytes())
    out = io.StringIO()
    assert cli.identify_paths([str(odd), str(japanese)], as_json=True, out=out) == 0
    text = out.getvalue().encode("utf-8").decode("utf-8")  # strict: no lone surrogates
    paths = [json.loads(line)["path"] for line in text.splitlines()]
    assert os.fsencode(paths[0]) == os.fsencode(str(odd))  # a script can open it again
    assert paths[1] == str(japanese)


def _identify_process(*paths: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "fmf_desktop", "identify", "--json", *map(str, paths)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        cwd=Path(__file__).resolve().parents[1],
    )


def test_a_reader_that_stops_early_ends_identify_quietly(photos):
    shelf, _ = photos
    proc = _identify_process(*[shelf] * 40)  # `fmf-desktop identify --json ... | head -1`
    try:
        assert json.loads(proc.stdout.readline())["path"] == str(shelf)
        proc.stdout.close()
        err = proc.stderr.read().decode()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 141
    assert "Traceback" not in err and "BrokenPipe" not in err


def _write_to_a_closed_pipe(error: OSError):
    def handler(args):
        raise error

    return handler


def test_a_reader_that_went_away_on_windows_ends_quietly_and_leaks_nothing(monkeypatch):
    """Windows reports a write to a closed pipe as EINVAL, not BrokenPipeError."""
    opened: list[int] = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda *a: opened.append(real_open(*a)) or opened[-1])
    monkeypatch.setattr(os, "dup2", lambda fd, target: None)  # keep pytest's stdout
    monkeypatch.setattr(sys, "stdout", open(os.devnull, "w"))  # noqa: SIM115
    monkeypatch.setattr(sys, "platform", "win32")
    handler = _write_to_a_closed_pipe(OSError(errno.EINVAL, "Invalid argument"))
    try:
        assert cli._run_command(handler, argparse.Namespace()) == cli.EXIT_BROKEN_PIPE
    finally:
        sys.stdout.close()
    assert len(opened) == 1
    with pytest.raises(OSError):
        os.fstat(opened[0])  # the null device's descriptor was closed again


def test_an_invalid_argument_elsewhere_is_not_mistaken_for_a_closed_pipe(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    handler = _write_to_a_closed_pipe(OSError(errno.EINVAL, "Invalid argument"))
    with pytest.raises(OSError):
        cli._run_command(handler, argparse.Namespace())


def test_ctrl_c_stops_identify_quietly_with_130(photos):
    shelf, _ = photos
    proc = _identify_process(*[shelf] * 200)
    try:
        assert json.loads(proc.stdout.readline())["path"] == str(shelf)  # it is running
    except BaseException:
        proc.kill()
        raise
    returncode, err = interrupt(proc, timeout=30)
    assert returncode == 130
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err
