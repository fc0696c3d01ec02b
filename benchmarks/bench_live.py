"""Live-mode speed on a 1080p clip with 5 figurines (needs ../shared/data).

    nice -n 10 .venv/bin/python benchmarks/bench_live.py [--seconds 8] [--runs 3] [--gui]
    .venv/bin/python benchmarks/bench_live.py --sources   # OpenCV vs QImage frame cost

Prints medians over runs of: preview fps (frames handed to the preview per second),
recognition updates per second, frame-to-labels latency (time from a frame leaving the
source to its labels being ready), and CPU use of the process (psutil; 100% = one core).
Targets (issue 4, 2-core machine): preview >= 25 fps, >= 8 updates/s, <= 200 ms.

With --gui the frames and updates also go through the Qt camera view (offscreen), so the
preview figure includes converting and painting every frame.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support.clips builds the clip

DATA = ROOT.parent / "shared" / "data"
TARGETS = {"preview_fps": 25.0, "updates_per_s": 8.0, "latency_ms": 200.0}


def build_clip(folder: Path, seconds: float) -> Path:
    from tests.support.clips import make_shelf_clip, pick_faces

    faces = pick_faces(DATA / "holoen-faces", ("gura", "ame", "calli", "ina", "kiara"))
    clip = make_shelf_clip(folder / "shelf1080.avi", DATA / "holoen-faces",
                           DATA / "lego-minifig-photos", faces, width=1920, height=1080,
                           fps=30, seconds=seconds, face_frac=0.2, pan_frac=0.08)
    return clip.path


def run_once(clip: Path, gui: bool) -> dict[str, float]:
    import psutil

    from fmf_desktop.live.pipeline import LivePipeline, LiveUpdate, RecognizerEngine
    from fmf_desktop.live.sources import VideoFileSource
    from fmf_desktop.recognition import Recognizer

    engine = RecognizerEngine(Recognizer(num_threads=2))
    updates: list[LiveUpdate] = []
    frame_times: list[float] = []
    proc = psutil.Process()
    if gui:
        return _run_gui(clip, engine, proc)
    p = LivePipeline(VideoFileSource(clip), engine, on_update=updates.append,
                     on_frame=lambda f: frame_times.append(time.monotonic()))
    proc.cpu_percent(None)
    t0 = time.monotonic()
    p.start()
    p.wait()
    wall = time.monotonic() - t0
    cpu = proc.cpu_percent(None)
    return _figures(frame_times, updates, wall, cpu)


def _figures(frame_times, updates, wall, cpu) -> dict[str, float]:
    span = (frame_times[-1] - frame_times[0]) if len(frame_times) > 1 else wall
    return {
        "preview_fps": (len(frame_times) - 1) / span if span > 0 else 0.0,
        "updates_per_s": len(updates) / wall,
        "latency_ms": statistics.median(u.latency for u in updates) * 1000,
        "latency_p90_ms": sorted(u.latency for u in updates)[int(0.9 * len(updates))] * 1000,
        "locate_ms": statistics.median(u.locate_s for u in updates) * 1000,
        "classify_ms_per_crop": statistics.median(
            u.classify_s / u.classified for u in updates if u.classified) * 1000,
        "crops_per_update": statistics.mean(u.classified for u in updates),
        "figurines_per_update": statistics.median(len(u.figurines) for u in updates),
        "cpu_percent": cpu,
    }


def _run_gui(clip: Path, engine, proc) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from fmf_desktop._qt.camera_devices import CameraWatcher
    from fmf_desktop._qt.camera_page import CameraPage
    from fmf_desktop.live.sources import VideoFileSource

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        page = CameraPage(lambda: engine, watcher=CameraWatcher(lister=list),
                          settings=QSettings(str(Path(tmp) / "s.ini"),
                                             QSettings.Format.IniFormat))
        page.resize(1280, 800)
        page.show()
        painted: list[float] = []
        updates: list = []
        shown: set[float] = set()

        def on_paint() -> None:
            # Count each frame once: label updates repaint the same frame too.
            if page.view.frame_time not in shown:
                shown.add(page.view.frame_time)
                painted.append(time.monotonic())

        page.view.frame_painted.connect(on_paint)
        page.live_updated.connect(updates.append)
        app.processEvents()
        proc.cpu_percent(None)
        t0 = time.monotonic()
        page.start_source(VideoFileSource(clip))
        while page.state != "ended":
            app.processEvents()
            time.sleep(0.001)
        wall = time.monotonic() - t0
        cpu = proc.cpu_percent(None)
        page.shutdown()
        page.deleteLater()
        app.processEvents()
    return _figures(painted, updates, wall, cpu)


def bench_sources() -> None:
    """Cost of getting a 1080p camera frame into numpy RGB: OpenCV (BGR ndarray) versus
    QtMultimedia (QVideoFrame.toImage() gives an RGB32 QImage that must be converted)."""
    import cv2
    import numpy as np
    from PySide6.QtGui import QImage

    bgr = np.random.default_rng(0).integers(0, 255, (1080, 1920, 3), dtype=np.uint8)
    rgba = np.dstack([bgr, np.full((1080, 1920, 1), 255, np.uint8)])
    img = QImage(rgba.data, 1920, 1080, 1920 * 4, QImage.Format.Format_RGB32).copy()

    def qimage_to_rgb() -> np.ndarray:
        im = img.convertToFormat(QImage.Format.Format_RGB888)
        arr = np.frombuffer(im.constBits(), np.uint8).reshape(1080, im.bytesPerLine())
        return arr[:, : 1920 * 3].reshape(1080, 1920, 3).copy()

    def med(fn, n: int = 50) -> float:
        ts = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
        return statistics.median(ts) * 1000

    cv = med(lambda: cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    qt = med(qimage_to_rgb)
    print(f"1080p frame -> numpy RGB: OpenCV BGR->RGB {cv:.2f} ms, "
          f"QImage RGB32->RGB888 numpy {qt:.2f} ms (ratio {qt / cv:.1f}x)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--gui", action="store_true", help="drive the Qt camera view too")
    ap.add_argument("--sources", action="store_true", help="only the frame-conversion bench")
    args = ap.parse_args()
    if args.sources:
        bench_sources()
        return 0
    if not DATA.is_dir():
        print(f"needs the dev data at {DATA}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        t = time.monotonic()
        clip = build_clip(Path(tmp), args.seconds)
        print(f"clip: 1920x1080 @30 fps, {args.seconds:g} s, 5 figurines "
              f"(built in {time.monotonic() - t:.1f} s)")
        runs = [run_once(clip, args.gui) for _ in range(args.runs)]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"medians over {args.runs} runs{' (through the Qt view)' if args.gui else ''}, "
          f"{os.cpu_count()} CPUs, load average {load:.1f} at the end:")
    for key in runs[0]:
        value = statistics.median(r[key] for r in runs)
        target = TARGETS.get(key)
        verdict = ""
        if target is not None:
            ok = value <= target if key.startswith("latency") else value >= target
            verdict = f"  target {'<=' if key.startswith('latency') else '>='} {target:g}: " \
                      f"{'OK' if ok else 'MISSED'}"
        print(f"  {key:22s} {value:8.1f}{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
