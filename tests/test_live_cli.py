"""`fmf-desktop live`: JSON lines while the clip plays, stops at its end, Ctrl+C is quiet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fmf_desktop.cli import main
from tests.support.clips import ShelfClip, make_shelf_clip, pick_faces
from tests.support.processes import interrupt

KEYS = {"t", "track", "box", "id", "name", "score", "decision"}


@pytest.fixture(scope="module")
def clip(tmp_path_factory, holoen_dir, lego_dir) -> ShelfClip:
    faces = pick_faces(holoen_dir, ("gura", "ame", "calli"))
    out = tmp_path_factory.mktemp("clips") / "shelf.avi"
    return make_shelf_clip(out, holoen_dir, lego_dir, faces, seconds=1.5, fps=15)


def parse_lines(text: str) -> list[dict]:
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert rows, "no output"
    return rows


def test_live_json_prints_figurines_and_stops_at_end_of_file(clip, capsys) -> None:
    code = main(["live", "--source", str(clip.path), "--json"])
    out = capsys.readouterr().out
    assert code == 0
    rows = parse_lines(out)
    for row in rows:
        assert set(row) == KEYS
        x, y, w, h = row["box"]
        assert x >= 0 and y >= 0 and w > 0 and h > 0
        assert x + w <= clip.width and y + h <= clip.height  # frame pixels
        assert row["decision"] in ("known", "unsure")
        assert 0.0 <= row["score"] <= 1.0
        assert isinstance(row["track"], int) and isinstance(row["name"], str)
    times = [r["t"] for r in rows]
    assert times == sorted(times) and times[-1] <= clip.frames / clip.fps
    # The three figurines on the shelf are all reported in the first update.
    first = [r for r in rows if r["t"] == times[0]]
    for _, box in clip.boxes_at(0):
        assert any(_centred_on(r["box"], box.as_list()) for r in first)


def test_every_frame_mode_reports_each_frame(clip, capsys) -> None:
    assert main(["live", "--source", str(clip.path), "--json", "--every-frame"]) == 0
    rows = parse_lines(capsys.readouterr().out)
    assert len({r["t"] for r in rows}) == clip.frames


def test_figures_taught_in_a_library_are_named_live(clip, tmp_path, capsys) -> None:
    # Teach the first figurine's face under a new name, then play the clip with that
    # library: its track is named after the taught figure, as in the window.
    library = tmp_path / "mine.sqlite3"
    face = clip.figurines[0].face
    assert main(["teach", "--library", str(library), "--name", "Shelf Star",
                 "--whole-image", str(face)]) == 0
    capsys.readouterr()
    assert main(["live", "--source", str(clip.path), "--json", "--every-frame",
                 "--library", str(library)]) == 0
    assert "Shelf Star" in {r["name"] for r in parse_lines(capsys.readouterr().out)}
    # Without it, the bundled characters only.
    assert main(["live", "--source", str(clip.path), "--json", "--every-frame"]) == 0
    assert "Shelf Star" not in {r["name"] for r in parse_lines(capsys.readouterr().out)}
    # A library named that cannot be read is an error, as for identify.
    assert main(["live", "--source", str(clip.path), "--library",
                 str(tmp_path / "gone.sqlite3")]) == 1
    assert "gone.sqlite3" in capsys.readouterr().err


def test_a_missing_source_is_a_clear_error(tmp_path, capsys) -> None:
    assert main(["live", "--source", str(tmp_path / "gone.avi"), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "gone.avi" in captured.err and "not found" in captured.err


@pytest.mark.parametrize("name, content, message", [
    ("empty.jpg", b"", "Cannot read empty.jpg: the file is empty"),
    ("notes.jpg", b"hello world, not a jpeg\n", "notes.jpg cannot be played"),
    ("clip.avi", None, "clip.avi is a folder, not a video file"),
])
def test_a_source_that_is_no_video_is_a_clear_error(tmp_path, capsys, name, content,
                                                    message) -> None:
    source = tmp_path / name
    if content is None:
        source.mkdir()
    else:
        source.write_bytes(content)
    # Text named .jpg used to "play" as a stream without frames (exit 0), a folder was "not
    # found", and an empty file was only "not a video OpenCV can decode".
    assert main(["live", "--source", str(source), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err


def test_ctrl_c_stops_quietly_with_130(clip) -> None:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "fmf_desktop", "live", "--source", str(clip.path), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        first = proc.stdout.readline()  # it is running and printing
        assert json.loads(first)["track"] >= 1
    except BaseException:
        proc.kill()
        raise
    returncode, err = interrupt(proc, timeout=20)
    assert returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def _centred_on(a: list[int], b: list[int]) -> bool:
    """Box `a`'s centre lies in box `b` (a head box drawn around a face)."""
    cx, cy = a[0] + a[2] / 2, a[1] + a[3] / 2
    return b[0] <= cx <= b[0] + b[2] and b[1] <= cy <= b[1] + b[3]


@pytest.mark.skipif(not sys.platform.startswith("linux") or Path("/dev/video7").exists(),
                    reason="needs a Linux machine without /dev/video7")
def test_a_camera_that_is_not_there_is_a_clear_error(capsys) -> None:
    assert main(["live", "--source", "7", "--json"]) == 1
    err = capsys.readouterr().err
    assert "Camera 7" in err and "not connected" in err


def test_an_empty_source_says_it_is_empty(capsys) -> None:
    # It used to say ". is a folder, not a video file".
    assert main(["live", "--source", "", "--json"]) == 1
    err = capsys.readouterr().err
    assert "empty" in err and "folder" not in err


@pytest.mark.parametrize("name", ["shelf.jpg", "looks_like_a_clip.avi"])
def test_a_photo_is_not_played_as_a_one_frame_video(tmp_path, capsys, name) -> None:
    import cv2
    import numpy as np

    jpeg = cv2.imencode(".jpg", np.full((240, 320, 3), 128, np.uint8))[1].tobytes()
    photo = tmp_path / name
    photo.write_bytes(jpeg)
    assert main(["live", "--source", str(photo), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{name} is a photo" in captured.err
    assert f"fmf-desktop identify {photo}" in captured.err


@pytest.mark.parametrize("every_frame", [False, True])
def test_a_truncated_video_is_reported_as_damaged(clip, tmp_path, capsys,
                                                  every_frame) -> None:
    data = clip.path.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) * 4 // 10])  # a download that stopped early
    args = ["live", "--source", str(cut), "--json"] + (["--every-frame"] if every_frame
                                                        else [])
    assert main(args) == 1  # it used to end "normally", exit 0
    captured = capsys.readouterr()
    assert captured.out  # the frames it did have were still reported
    assert "incomplete or damaged" in captured.err
    assert f"of {clip.frames}" in captured.err


class _VariableFrameRateCapture:
    """What OpenCV's FFmpeg reader reports for a WebM/MKV clip: no frame count in the
    container, so "FRAME_COUNT" is duration x nominal rate (30 fps here) while the clip
    has a frame every 100 ms; ``last_ms`` is the time of its last frame."""

    def __init__(self, last_ms: float) -> None:
        import cv2

        self._cv2 = cv2
        self._times = [float(t) for t in range(0, int(last_ms) + 1, 100)]
        self._read = 0

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return True

    def read(self):
        if self._read >= len(self._times):
            return False, None
        self._read += 1
        return True, np.full((48, 64, 3), 128, np.uint8)

    def get(self, prop: int) -> float:
        if prop == self._cv2.CAP_PROP_FRAME_COUNT:
            return 120.0  # 4 s x 30 fps
        if prop == self._cv2.CAP_PROP_FPS:
            return 30.0
        if prop == self._cv2.CAP_PROP_POS_MSEC and self._read:
            return self._times[self._read - 1]
        return 0.0

    def release(self) -> None:
        pass


@pytest.mark.parametrize(("last_ms", "damaged"), [(3900, False), (1300, True)])
def test_a_variable_frame_rate_clip_is_damaged_only_when_it_stops_short_in_time(
        tmp_path, capsys, monkeypatch, last_ms, damaged) -> None:
    import fmf_desktop.live.sources as sources

    video = tmp_path / "clip.webm"
    video.write_bytes(b"\x1a\x45\xdf\xa3 webm")
    monkeypatch.setattr(sources.cv2, "VideoCapture",
                        lambda _path: _VariableFrameRateCapture(last_ms))
    code = main(["live", "--source", str(video), "--json", "--every-frame"])
    err = capsys.readouterr().err
    assert code == (1 if damaged else 0), err
    assert ("incomplete or damaged" in err) == damaged


def test_decoder_noise_stays_off_stderr(clip, tmp_path) -> None:
    data = clip.path.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) * 4 // 10])  # FFmpeg complains: "overread 8"
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENCV_FFMPEG_LOGLEVEL", "OPENCV_LOG_LEVEL")}
    proc = subprocess.run(
        [sys.executable, "-m", "fmf_desktop", "live", "--source", str(cut), "--json",
         "--every-frame"], capture_output=True, text=True, env=env, timeout=120,
        cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 1
    err_lines = [line for line in proc.stderr.splitlines()
                 if line.strip() and not line.startswith("INFO: ")]  # TFLite's greeting
    assert err_lines == [line for line in err_lines if line.startswith("fmf-desktop: ")]
    assert any("damaged" in line for line in err_lines)
