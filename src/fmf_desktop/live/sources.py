"""Frame sources behind one interface: video files, real cameras and test doubles.

Why real cameras go through OpenCV ``VideoCapture`` and not QtMultimedia's ``QCamera``
(measured on the 2-core development machine; docs/live-camera.md has the details):

- QtMultimedia is not in PySide6-Essentials, which the app depends on.  It ships in
  PySide6-Addons: a 59 MB download that unpacks to 161 MB and brings its own copy of
  FFmpeg, next to the one OpenCV already bundles; every installer would grow by that.
  OpenCV is a dependency anyway (the locator uses it).
- ``VideoCapture.read()`` returns a numpy array, which is what the recogniser consumes.
  A ``QVideoFrame`` has to go ``toImage()`` -> ``QImage`` -> numpy; the last step alone
  costs 1.2-2.6 ms per 1080p frame against 0.15-0.2 ms for OpenCV's BGR->RGB swap
  (``benchmarks/bench_live.py --sources``), i.e. 4-8% of a core at 30 fps for nothing.
- One code path serves cameras and video files, so what the tests and benchmarks run
  with a recorded clip is what runs with a webcam, and the CLI
  (`fmf-desktop live --source 0`) works without Qt.

QtMultimedia's ``QMediaDevices`` is still used for *naming* cameras in the picker when it
happens to be installed (`fmf_desktop._qt.camera_devices`); without it we list
``/dev/video*`` (Linux) or probe the first few indices.

Every source is used the same way::

    with open_source("clip.avi") as src:       # or "0" for the first camera
        while (frame := src.read()) is not None:
            ...

`read()` returns `None` at the end of a file and raises `SourceDisconnected` when a camera
stops delivering frames; the pipeline then calls `reopen()` until it works again.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

#: "photo": a still picture was given where a video was expected (the UI points to the
#: photo tools); "damaged": a video that stops well before its own frame count;
#: "failed": an error nobody anticipated (a driver or decoder bug).
ErrorKind = Literal["not-found", "busy", "permission", "unreadable", "disconnected",
                    "photo", "damaged", "failed"]

#: A video that stops before this share of the frames its container announces, and of
#: the duration those frames make at its frame rate, is damaged (truncated download, bad
#: sectors); the slack is for rounding in the container's numbers.  The duration check is
#: what keeps a valid variable-frame-rate MKV/WebM from being called damaged: their frame
#: "count" is only duration x nominal frame rate, which can be far more frames than the
#: clip has, while the last frame's time still reaches the end.
COMPLETE_SHARE = 0.9
#: Below this many frames a count says too little to call a clip damaged.
MIN_COUNTED_FRAMES = 10


class SourceError(Exception):
    """A source could not be opened or read; `kind` says why in a way the UI can act on."""

    def __init__(self, message: str, kind: ErrorKind = "unreadable") -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind


class SourceDisconnected(SourceError):
    """A camera that was delivering frames stopped (unplugged, driver reset, ...)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "disconnected")


@dataclass(frozen=True)
class Frame:
    """One RGB frame.  `t` is seconds into the stream; `captured` is `time.monotonic()`
    when the frame left the source (frame-to-label latency is measured from it)."""

    index: int
    t: float
    rgb: np.ndarray
    captured: float

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


@dataclass(frozen=True)
class CameraInfo:
    """A camera the user can pick.  `spec` is what `open_source` accepts."""

    spec: str
    name: str


class FrameSource(ABC):
    """Common interface of everything that yields frames."""

    #: Human-readable name for messages ("clip.avi", "Camera 0").
    name: str = ""
    #: True for cameras: frames arrive in real time and may disconnect.
    live: bool = False

    @abstractmethod
    def open(self) -> None:
        """Acquire the device/file.  Raises `SourceError` with a specific `kind`."""

    @abstractmethod
    def read(self) -> Frame | None:
        """Next frame, `None` at the end of a file; raises `SourceDisconnected`."""

    @abstractmethod
    def close(self) -> None:
        """Release the device/file.  Safe to call twice."""

    @property
    def fps(self) -> float:
        return 30.0

    def reopen(self) -> None:
        """Try to get a disconnected device back (raises `SourceError` while it is gone)."""
        self.close()
        self.open()

    def __enter__(self) -> FrameSource:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _bgr_to_rgb(bgr: np.ndarray) -> np.ndarray:
    if bgr.ndim == 2:
        return cv2.cvtColor(bgr, cv2.COLOR_GRAY2RGB)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class VideoFileSource(FrameSource):
    """A recorded clip.  With `realtime=True` frames are released at the clip's own frame
    rate (times `speed`), so a file behaves like a camera: the preview plays at normal
    speed and recognition has to keep up.  With `realtime=False` frames come as fast as
    they decode (useful for batch processing)."""

    live = False

    def __init__(self, path: str | os.PathLike[str], *, realtime: bool = True,
                 speed: float = 1.0) -> None:
        # Path("") is ".", which would be reported as "a folder": remember the emptiness.
        self._empty_spec = not os.fspath(path).strip()
        self.path = Path(path)
        self.name = self.path.name
        self.realtime = realtime
        self.speed = speed
        self._cap: cv2.VideoCapture | None = None
        self._first_frame: np.ndarray | None = None
        self._fps = 30.0
        self._index = 0
        self._start = 0.0
        self._frame_count: int | None = None  # as the container reports it, if usable
        self._last_frame_ms = 0.0  # the time of the last frame read, as the decoder says

    @property
    def fps(self) -> float:
        return self._fps

    def restarted(self) -> VideoFileSource:
        """A fresh, unopened source for the same file and pace ("Play again")."""
        return VideoFileSource(self.path, realtime=self.realtime, speed=self.speed)

    def open(self) -> None:
        if self._empty_spec:
            raise SourceError("No video given: the source is empty. Give a video file, or "
                              "a camera index such as 0.", "not-found")
        if self.path.is_dir():
            raise SourceError(f"{self.path} is a folder, not a video file", "unreadable")
        if not self.path.is_file():
            raise SourceError(f"Video file not found: {self.path}", "not-found")
        if self.path.stat().st_size == 0:
            # Say what is wrong, like photos do, rather than "not a video OpenCV can decode".
            raise SourceError(f"Cannot read {self.path.name}: the file is empty (0 bytes)",
                              "unreadable")
        cap = cv2.VideoCapture(str(self.path))
        # A file FFmpeg opens but cannot decode (text named .jpg, a damaged clip) has no
        # first frame: say so here instead of playing an empty stream.
        ok, first = cap.read() if cap.isOpened() else (False, None)
        if not ok or first is None:
            cap.release()
            hint = "" if has_ffmpeg() else (
                " This build plays Motion-JPEG .avi clips only; convert others with "
                "`ffmpeg -i CLIP -c:v mjpeg -q:v 3 clip.avi`.")
            raise SourceError(f"{self.path.name} cannot be played: it is not a video this "
                              f"app can read, or it is damaged.{hint}", "unreadable")
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        if count <= 1 and _is_still_image(self.path):
            # FFmpeg happily plays a JPEG as a one-frame video: the user meant the photo
            # tools, which look at the whole picture with the full pipeline.
            cap.release()
            raise SourceError(f"{self.path.name} is a photo, not a video", "photo")
        # Containers that do not know report 0, -1 or a huge negative number.
        self._frame_count = int(count) if MIN_COUNTED_FRAMES <= count < 1e9 else None
        fps = cap.get(cv2.CAP_PROP_FPS)
        # Some containers report 0 or absurd rates; 30 is what most cameras deliver.
        self._fps = float(fps) if 1.0 <= fps <= 240.0 else 30.0
        self._cap = cap
        self._first_frame = first
        self._last_frame_ms = cap.get(cv2.CAP_PROP_POS_MSEC)
        self._index = 0
        self._start = time.monotonic()

    def read(self) -> Frame | None:
        if self._cap is None:
            raise SourceError(f"{self.name} is not open")
        if self._first_frame is not None:  # read by open() to check the file
            ok, bgr, self._first_frame = True, self._first_frame, None
        else:
            ok, bgr = self._cap.read()
            if ok and self._frame_count is not None:
                # Read now: after the read that fails at the end, FFmpeg answers 0.
                self._last_frame_ms = self._cap.get(cv2.CAP_PROP_POS_MSEC)
        if not ok or bgr is None:
            self._check_complete()
            return None
        t = self._index / self._fps
        if self.realtime and self.speed > 0:
            delay = self._start + t / self.speed - time.monotonic()
            if delay < -0.5:
                # Far behind schedule: the reader paused (Freeze). Carry on from here
                # instead of racing through the frames "missed" meanwhile.
                self._start = time.monotonic() - t / self.speed
            elif delay > 0:
                time.sleep(delay)
        frame = Frame(self._index, t, _bgr_to_rgb(bgr), time.monotonic())
        self._index += 1
        return frame

    def _check_complete(self) -> None:
        """At the end: a clip that stops far short of its announced length, in frames and
        in time, is damaged, not finished (otherwise a truncated file would look like a
        short one).  A decoder that cannot tell the time (0) leaves the frame count to
        decide, which is exact in the AVI files this matters most for."""
        expected = self._frame_count
        if expected is None or self._index >= COMPLETE_SHARE * expected:
            return
        announced_ms = expected / self._fps * 1000.0
        if self._last_frame_ms < COMPLETE_SHARE * announced_ms:
            raise SourceError(
                f"{self.name} is incomplete or damaged: playback stopped at frame "
                f"{self._index} of {expected}", "damaged")

    def close(self) -> None:
        self._first_frame = None
        if self._cap is not None:
            self._cap.release()
            self._cap = None


def _is_still_image(path: Path) -> bool:
    """Whether OpenCV's image readers recognise the file by its contents (a JPEG named
    .avi counts; an MJPEG .avi does not)."""
    try:
        return bool(cv2.haveImageReader(str(path)))
    except cv2.error:
        return False


def quiet_decoder_logs() -> None:
    """Keep FFmpeg's and OpenCV's decoder chatter ("[mjpeg @ 0x…] overread 8", "moov atom
    not found") off stderr: our own messages already say what is wrong with a file.

    Called when live mode starts rather than at import, so importing this module changes
    nothing for the rest of the program.  FFmpeg's level is read once, when OpenCV first
    uses FFmpeg, hence the environment variable (setdefault: a developer's own setting
    wins)."""
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
    # OpenCV's own level, read when it first logs (OpenCV 5 has no setLogLevel function,
    # and the installers' slim OpenCV only has the names the app uses).
    os.environ.setdefault("OPENCV_LOG_LEVEL", "FATAL")


def has_ffmpeg() -> bool:
    """Whether this OpenCV decodes video files with FFmpeg (MP4, MKV, WebM...).

    The installers ship a slim OpenCV without it (packaging/slim_opencv.py): there only
    OpenCV's own Motion-JPEG AVI reader opens video files; cameras are unaffected.
    """
    try:
        return bool(cv2.videoio_registry.hasBackend(cv2.CAP_FFMPEG))
    except (AttributeError, cv2.error):
        return True  # cannot tell: say nothing rather than something wrong


class CameraSource(FrameSource):
    """A webcam through OpenCV (see the module docstring for why not QtMultimedia).

    `device` is an index (`0`) or, on Linux, a device path (`/dev/video2`)."""

    live = True

    def __init__(self, device: int | str, *, width: int = 1280, height: int = 720,
                 read_failures_before_disconnect: int = 5) -> None:
        # 720p by default: decoding a 1080p MJPG stream costs ~14 ms a frame here, 40% of
        # one of two cores at 30 fps, and locating works on an 800-px copy anyway; a head
        # in a 720p frame is still larger than the model's 224-px input.
        self.device = device
        self.name = f"Camera {device}"
        self.width = width
        self.height = height
        self._max_failures = read_failures_before_disconnect
        self._cap: cv2.VideoCapture | None = None
        self._index = 0
        self._start = 0.0
        self._fps = 30.0

    @property
    def fps(self) -> float:
        return self._fps

    def _device_path(self) -> str | None:
        if isinstance(self.device, str) and self.device.startswith("/dev/"):
            return self.device
        if sys.platform.startswith("linux"):
            return f"/dev/video{self.device}"
        return None

    def open(self) -> None:
        path = self._device_path()
        if path is not None:
            # On Linux we can tell the three failures apart before OpenCV hides them all
            # behind isOpened() == False.
            if not os.path.exists(path):
                raise SourceError(f"{self.name} is not connected ({path} does not exist)",
                                  "not-found")
            if not os.access(path, os.R_OK | os.W_OK):
                raise SourceError(
                    f"No permission to use {self.name} ({path}). On Linux, add your user "
                    "to the 'video' group and log in again.", "permission")
        cap = cv2.VideoCapture(self.device if isinstance(self.device, int) else path or 0)
        if not cap.isOpened():
            cap.release()
            raise SourceError(
                f"{self.name} could not be opened. It may be in use by another app, or this "
                "app may not have permission to use the camera (check the system's privacy "
                "settings).", "busy")
        # Most webcams only reach 30 fps at 720p and above in MJPG; raw YUYV drops to
        # 5-10 fps there. Ignored by cameras and backends that cannot do it.
        cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        # A camera keeps a few frames buffered; we always want the newest one.
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        fps = cap.get(cv2.CAP_PROP_FPS)
        self._fps = float(fps) if 1.0 <= fps <= 240.0 else 30.0
        self._cap = cap
        if self._start == 0.0:
            self._start = time.monotonic()

    def read(self) -> Frame | None:
        if self._cap is None:
            raise SourceDisconnected(f"{self.name} is not open")
        for _ in range(self._max_failures):
            ok, bgr = self._cap.read()
            if ok and bgr is not None:
                now = time.monotonic()
                frame = Frame(self._index, now - self._start, _bgr_to_rgb(bgr), now)
                self._index += 1
                return frame
            time.sleep(0.02)
        raise SourceDisconnected(f"{self.name} stopped sending pictures (disconnected?)")

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class DisconnectingSource(FrameSource):
    """Test double: wraps a source and simulates a camera that is unplugged after
    `disconnect_after` frames and comes back after `reconnect_attempts` failed reopens
    (`None` = never comes back).  Frames keep coming from the wrapped source afterwards."""

    live = True

    def __init__(self, inner: FrameSource, *, disconnect_after: int,
                 reconnect_attempts: int | None = 2) -> None:
        self.inner = inner
        self.name = inner.name
        self.disconnect_after = disconnect_after
        self.reconnect_attempts = reconnect_attempts
        self.reopen_calls = 0
        self._delivered = 0
        self._down = False
        self._has_failed = False

    @property
    def fps(self) -> float:
        return self.inner.fps

    def open(self) -> None:
        self.inner.open()

    def read(self) -> Frame | None:
        if self._down:
            raise SourceDisconnected(f"{self.name} was disconnected")
        if not self._has_failed and self._delivered >= self.disconnect_after:
            self._down = self._has_failed = True
            raise SourceDisconnected(f"{self.name} was disconnected")
        frame = self.inner.read()
        if frame is not None:
            self._delivered += 1
        return frame

    def reopen(self) -> None:
        self.reopen_calls += 1
        if self.reconnect_attempts is None or self.reopen_calls <= self.reconnect_attempts:
            raise SourceError(f"{self.name} is not connected", "not-found")
        self._down = False

    def close(self) -> None:
        self.inner.close()


def parse_source_spec(spec: str) -> int | str:
    """"0" -> camera index 0, "/dev/video2" -> that device, anything else -> a file path."""
    s = spec.strip()
    if s.isdigit():
        return int(s)
    return s


def open_source(spec: str, *, realtime: bool = True) -> FrameSource:
    """Build (not open) the source for a CLI/UI spec: a camera index, /dev/videoN or a file."""
    parsed = parse_source_spec(spec)
    if isinstance(parsed, int) or parsed.startswith("/dev/video"):
        return CameraSource(parsed)
    return VideoFileSource(parsed, realtime=realtime)


def list_cameras(max_probe: int = 4, *, dev_dir: Path = Path("/dev"),
                 sysfs_dir: Path = Path("/sys/class/video4linux")) -> list[CameraInfo]:
    """Cameras present now, without opening them where the OS lets us (Linux sysfs);
    elsewhere probe the first `max_probe` indices (opening and releasing each)."""
    if sys.platform.startswith("linux"):
        found: list[CameraInfo] = []
        for dev in sorted(dev_dir.glob("video*"),
                          key=lambda p: int(p.name[5:]) if p.name[5:].isdigit() else 999):
            idx = dev.name[5:]
            if not idx.isdigit():
                continue
            name = f"Camera {idx}"
            sysfs = sysfs_dir / dev.name
            with contextlib.suppress(OSError):
                name = (sysfs / "name").read_text().strip() or name
            with contextlib.suppress(OSError, ValueError):
                # UVC webcams add a metadata node next to each capture node; only the
                # first node of a device (index 0) delivers pictures.
                if int((sysfs / "index").read_text().strip()) != 0:
                    continue
            found.append(CameraInfo(spec=idx, name=name))
        return found
    cams = []
    for i in range(max_probe):
        cap = cv2.VideoCapture(i)
        try:
            if cap.isOpened():
                cams.append(CameraInfo(spec=str(i), name=f"Camera {i}"))
        finally:
            cap.release()
    return cams
