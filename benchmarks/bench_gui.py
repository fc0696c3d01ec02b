"""GUI speed and memory: time to a visible window, memory after one photo, and how
responsive the window stays while a 50-megapixel photo is processed.

Each measurement runs in a fresh subprocess (a cold start, as a user gets it); the
script prints medians. Photos are drawn by our own code into benchmarks/out/.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py [--runs 5]

Targets from the issue: window shown <= 1.5 s after launch; resident memory <= 400 MB
after one photo; the GUI thread never stalls noticeably (we report the longest gap
between 10 ms timer ticks while a 50 MP photo is decoded and identified).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"

# Runs in the child: time from process spawn (parent's clock, passed in FMF_BENCH_T0) to
# the first paint of the main window, built exactly as run_gui() builds it.
LAUNCH_CHILD = r"""
import os, sys, time, tempfile, json
t0 = float(os.environ["FMF_BENCH_T0"])
from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from fmf_desktop._qt.app import build_window, make_application, start
from fmf_desktop._qt.settings import AppSettings

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not hasattr(self, "shown"):
            self.shown = time.time() - t0
        return False

app = make_application([sys.argv[0]])
tmp = tempfile.mkdtemp()
window = build_window(AppSettings(QSettings(tmp + "/s.ini", QSettings.Format.IniFormat)))
watch = FirstPaint()
window.installEventFilter(watch)
state = {}
window.session.model_state_changed.connect(
    lambda s, _m: state.setdefault(s, time.time() - t0))
start(window, [])
def check():
    if hasattr(watch, "shown") and "ready" in state:
        print(json.dumps({"shown": watch.shown, "model_ready": state["ready"]}))
        app.quit()
timer = QTimer(); timer.timeout.connect(check); timer.start(5)
app.exec()
window.session.wait_idle()
"""

# Runs in the child: open one photo, wait for its result, report RSS and GUI stalls.
PHOTO_CHILD = r"""
import os, sys, time, tempfile, json
import psutil
from PySide6.QtCore import QSettings, QTimer
from fmf_desktop._qt.app import build_window, make_application, start
from fmf_desktop._qt.settings import AppSettings

photo = sys.argv[1]
app = make_application([sys.argv[0]])
tmp = tempfile.mkdtemp()
window = build_window(AppSettings(QSettings(tmp + "/s.ini", QSettings.Format.IniFormat)))
start(window, [])
session = window.session
ticks = []
ticker = QTimer(); ticker.timeout.connect(lambda: ticks.append(time.perf_counter()))
result = {}
def model_ready(state, _m):
    if state == "ready" and "t_open" not in result:
        result["t_open"] = time.perf_counter()
        ticks.append(result["t_open"])
        ticker.start(10)
        window.open_paths([photo])
session.model_state_changed.connect(model_ready)
def check():
    item = session.current_item()
    if item is not None and (item.result is not None or item.error is not None):
        done = time.perf_counter()
        ticker.stop()
        gaps = [b - a for a, b in zip(ticks, ticks[1:])] or [0.0]
        print(json.dumps({
            "error": item.error,
            "figurines": len(item.result.figurines) if item.result else 0,
            "open_to_result_s": done - result["t_open"],
            "max_gui_gap_ms": max(gaps) * 1000,
            "median_gui_gap_ms": sorted(gaps)[len(gaps) // 2] * 1000,
            "rss_mb": psutil.Process().memory_info().rss / 2**20,
        }))
        app.quit()
poll = QTimer(); poll.timeout.connect(check); poll.start(20)
app.exec()
session.wait_idle()
"""


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    # Taught figures and the collection go to a throwaway folder, not the user's.
    OUT.mkdir(parents=True, exist_ok=True)
    env.setdefault("FMF_DATA_DIR", str(OUT / "appdata"))
    return env


def run_child(code: str, *args: str) -> dict:
    env = child_env()
    env["FMF_BENCH_T0"] = repr(time.time())
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          text=True, timeout=300)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"child failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(lines[-1])


def make_photo(megapixels: float, figurines: int) -> Path:
    import cv2

    sys.path.insert(0, str(ROOT))
    from training.make_sample import shelf_photo

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"shelf_{megapixels:g}mp_{figurines}.jpg"
    if path.exists():
        return path
    width = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = int(width * 3 / 4)
    heads = [((i + 0.5) / figurines, int(height * 0.22)) for i in range(figurines)]
    img, _ = shelf_photo(width, height, heads, seed=5)
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR),
                [cv2.IMWRITE_JPEG_QUALITY, 90])
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    launches = [run_child(LAUNCH_CHILD) for _ in range(args.runs)]
    shown = statistics.median(r["shown"] for r in launches)
    ready = statistics.median(r["model_ready"] for r in launches)
    print(f"window shown after launch: median {shown:.3f} s over {args.runs} cold starts "
          f"(target 1.5 s, ratio {shown / 1.5:.2f}); model ready: median {ready:.3f} s")

    for megapixels, count in ((12, 1), (50, 3)):
        photo = make_photo(megapixels, count)
        runs = [run_child(PHOTO_CHILD, str(photo)) for _ in range(max(1, args.runs // 2))]
        if runs[0]["error"]:
            raise SystemExit(runs[0]["error"])
        med = {k: statistics.median(r[k] for r in runs)
               for k in ("open_to_result_s", "max_gui_gap_ms", "median_gui_gap_ms", "rss_mb")}
        print(f"{megapixels} MP photo ({runs[0]['figurines']} figurines found), "
              f"{len(runs)} runs: open->result median {med['open_to_result_s']:.3f} s; "
              f"GUI timer gap max {med['max_gui_gap_ms']:.0f} ms "
              f"(median {med['median_gui_gap_ms']:.0f} ms, 10 ms timer); "
              f"RSS {med['rss_mb']:.0f} MB (target 400 MB, ratio {med['rss_mb'] / 400:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
