"""Smoke-test a frozen Find My Figurine the way a first-time user would run it.

    python packaging/smoke_test.py [EXECUTABLE]

EXECUTABLE defaults to this platform's bundle in dist/ (see build.py). Run it with the
Python the app is installed in: the unfrozen app's answer is the reference. Checks:

1. ``--selftest`` passes (model, labels, shops and sample are bundled and load);
2. ``identify --json`` on the sample gives the same answer as the unfrozen app;
3. the window opens and closes offscreen;
4. a Motion-JPEG AVI clip decodes through the camera mode's file source (the format
   every OpenCV reads, FFmpeg or not: the slim OpenCV has none);
5. JPEG, PNG, WebP, BMP, TIFF (8 and 16 bits) and AVIF photos open, and OpenCV's
   ``imdecode`` (the app's second decoder) reads the JPEG, PNG and TIFF ones; OpenCV's
   LAPACK/BLAS calls agree with NumPy; Qt's collation, codecs and case mapping match the
   unfrozen app's (nothing needed was trimmed);
6. it works with no network: the checks run in a network namespace without one
   (Linux, ``unshare``), or with every connection attempt watched (elsewhere);
7. settings and data land in the per-user folder of a fresh home, and nothing in the
   install folder changes;
8. a shop link's browser gets the user's LD_LIBRARY_PATH, not the bundle's (Linux);
9. Qt's X11 platform plugin finds the xcb helper libraries it needs inside the bundle
   (Linux): many desktops lack them, and without them the window never opens there.

Prints one line per check and a final ``N passed, N failed`` line; exits 1 on failure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
sys.path.insert(0, str(PACKAGING))
import bundle_policy as policy  # noqa: E402

TIMEOUT_S = 180


class Skip(Exception):
    """A check that cannot run here (says why)."""


@dataclass
class Outcome:
    name: str
    status: str  # PASS, FAIL, SKIP
    detail: str


def default_executable() -> Path:
    if sys.platform == "darwin":
        return ROOT / "dist" / f"{policy.APP_DISPLAY_NAME}.app" / "Contents" / "MacOS" / (
            policy.APP_EXE_NAME)
    if sys.platform == "win32":
        return ROOT / "dist" / policy.BUNDLE_DIR_NAME / f"{policy.CLI_EXE_NAME}.exe"
    return ROOT / "dist" / policy.BUNDLE_DIR_NAME / policy.APP_EXE_NAME


def install_root(executable: Path) -> Path:
    """The folder a user installs: the .app on macOS, the bundle folder elsewhere."""
    for parent in executable.parents:
        if parent.suffix == ".app":
            return parent
    return executable.parent


def network_isolation_prefix() -> list[str] | None:
    """``unshare`` into a namespace with no network (only loopback, down), if allowed."""
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return None
    for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
        probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
        if probe.returncode == 0:
            return prefix
    return None


class Runner:
    def __init__(self, executable: Path, home: Path, offline: list[str] | None) -> None:
        self.executable = executable
        self.home = home
        self.offline = offline or []
        self.connections: list[str] = []

    def env(self, **extra: str | None) -> dict[str, str]:
        env = dict(os.environ)
        # A first run: an empty home, no data folder override, no display.
        for key in ("FMF_DATA_DIR", "FMF_ASSETS_DIR", "LD_LIBRARY_PATH", "PYTHONPATH",
                    "PYTHONHOME", "FMF_SMOKE"):
            env.pop(key, None)
        env.update(HOME=str(self.home), QT_QPA_PLATFORM="offscreen",
                   XDG_DATA_HOME=str(self.home / ".local" / "share"),
                   XDG_CONFIG_HOME=str(self.home / ".config"),
                   XDG_CACHE_HOME=str(self.home / ".cache"),
                   XDG_RUNTIME_DIR=str(self.home / "runtime"))
        for key, value in extra.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def run(self, args: Sequence[str], **extra: str | None) -> subprocess.CompletedProcess:
        (self.home / "runtime").mkdir(parents=True, exist_ok=True, mode=0o700)
        command = [*self.offline, str(self.executable), *args]
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=self.env(**extra), cwd=self.home)
        if not self.offline:
            self._watch_connections(proc)
        try:
            out, err = proc.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(
                f"timed out after {TIMEOUT_S} s: {' '.join(args)}\n{err[-2000:]}") from None
        return subprocess.CompletedProcess(command, proc.returncode, out, err)

    def _watch_connections(self, proc: subprocess.Popen) -> None:
        """Without a network namespace: record any internet socket the app opens."""
        try:
            import psutil
        except ImportError:
            return
        try:
            ps = psutil.Process(proc.pid)
            # psutil >= 6 calls it net_connections; older versions only have connections.
            list_connections = getattr(ps, "net_connections", None) or ps.connections
            while proc.poll() is None:
                for conn in list_connections(kind="inet"):
                    if conn.raddr and conn.raddr.ip not in ("127.0.0.1", "::1"):
                        self.connections.append(f"{conn.raddr.ip}:{conn.raddr.port}")
                time.sleep(0.05)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return

    def smoke(self, mode: str, *args: str, **extra: str | None) -> dict:
        proc = self.run(list(args), FMF_SMOKE=mode, **extra)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        if proc.returncode != 0 or not lines:
            raise AssertionError(f"FMF_SMOKE={mode} exited {proc.returncode}\n"
                                 f"{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}")
        return json.loads(lines[-1])


def sample_photo() -> Path:
    return ROOT / "assets" / "sample.jpg"


def strip_paths(results: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "path"} for r in results]


def same_answer(frozen: list[dict], source: list[dict], tolerance: float = 2e-3) -> str | None:
    """None when both runs found the same figurines with the same names; else the difference."""
    a, b = strip_paths(frozen), strip_paths(source)
    if len(a) != len(b):
        return f"{len(a)} results vs {len(b)}"
    for ra, rb in zip(a, b, strict=True):
        fa, fb = ra.get("figurines", []), rb.get("figurines", [])
        if len(fa) != len(fb):
            return f"{len(fa)} figurines vs {len(fb)}"
        for x, y in zip(fa, fb, strict=True):
            if x["box"] != y["box"] or x["decision"] != y["decision"]:
                return f"box/decision {x['box']} {x['decision']} vs {y['box']} {y['decision']}"
            if [c["id"] for c in x["top"]] != [c["id"] for c in y["top"]]:
                return f"names {[c['id'] for c in x['top']]} vs {[c['id'] for c in y['top']]}"
            for cx, cy in zip(x["top"], y["top"], strict=True):
                if abs(cx["score"] - cy["score"]) > tolerance:
                    return f"score of {cx['id']}: {cx['score']} vs {cy['score']}"
    return None


def parse_json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def unfrozen_identify(photo: Path) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "fmf_desktop", "identify", "--json", str(photo)],
        capture_output=True, text=True, check=False, timeout=TIMEOUT_S, cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    if proc.returncode != 0:
        raise Skip(f"the unfrozen app is not runnable from {sys.executable}: "
                   f"{proc.stderr.strip()[-300:]}")
    return parse_json_lines(proc.stdout)


def make_clip(folder: Path) -> Path:
    """A 12-frame Motion-JPEG AVI clip drawn by code.

    MJPEG in AVI is what OpenCV reads and writes without FFmpeg, so it decodes in the slim
    OpenCV as in the wheel; the tests, benchmarks and live CLI clips use it too.
    """
    try:
        import cv2
        import numpy as np
    except ImportError as exc:
        raise Skip(f"cannot write a test clip here ({exc})") from None
    path = folder / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (160, 120))
    for i in range(12):
        frame = np.full((120, 160, 3), 40, np.uint8)
        cv2.circle(frame, (20 + 10 * i, 60), 15, (0, 200, 255), -1)
        writer.write(frame)
    writer.release()
    if not path.is_file() or path.stat().st_size == 0:
        raise Skip("this OpenCV cannot write MJPEG clips")
    return path


def make_photos(folder: Path) -> Path:
    """The same code-drawn picture in every format the app promises to open, plus AVIF."""
    try:
        import numpy as np
        from PIL import Image
    except ImportError as exc:
        raise Skip(f"cannot write test photos here ({exc})") from None
    out = folder / "photos"
    out.mkdir(exist_ok=True)
    yy, xx = np.mgrid[0:96, 0:128]
    rgb = np.stack([xx * 2, yy * 2, (xx + yy)], axis=-1).astype(np.uint8)
    picture = Image.fromarray(rgb, "RGB")
    for ext in ("jpg", "png", "webp", "bmp", "tiff"):
        picture.save(out / f"photo.{ext}")
    # AVIF: the frozen app reads it with Pillow's plugin (slim OpenCV) or OpenCV's libavif.
    try:
        picture.save(out / "photo.avif")
    except (KeyError, OSError):  # a Pillow without an AVIF encoder: try OpenCV's
        try:
            import cv2

            cv2.imwrite(str(out / "photo.avif"), rgb[:, :, ::-1].copy())
        except Exception:  # neither can write one: the other formats still count
            pass
    # 16 bits per channel RGB TIFF: older Pillows cannot decode it and imaging.py then
    # falls back to OpenCV, whose TIFF codec must therefore stay in any OpenCV we freeze.
    try:
        import cv2

        cv2.imwrite(str(out / "photo16.tif"), (rgb[:, :, ::-1].astype(np.uint16) * 257))
    except ImportError:
        pass
    return out


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns)
            for p in folder.rglob("*")}


def check_selftest(r: Runner) -> str:
    proc = r.run(["--selftest"])
    if proc.returncode != 0 or "selftest OK" not in proc.stdout:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout[-1500:]}\n"
                             f"{proc.stderr[-1500:]}")
    return proc.stdout.strip().splitlines()[-2].strip() if proc.stdout.count("\n") > 1 else "ok"


def check_identify(r: Runner) -> str:
    photo = sample_photo()
    proc = r.run(["identify", "--json", str(photo)])
    if proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr[-1500:]}")
    frozen = parse_json_lines(proc.stdout)
    source = unfrozen_identify(photo)
    problem = same_answer(frozen, source)
    if problem:
        raise AssertionError(f"frozen and unfrozen answers differ: {problem}")
    figs = frozen[0].get("figurines", []) if frozen else []
    names = [f["top"][0]["name"] if f["decision"] == "known" and f["top"] else "not sure"
             for f in figs]
    return f"{len(figs)} figurine(s), same as unfrozen: {names}"


def check_window(r: Runner) -> str:
    shots = ROOT / "test-artifacts"
    shots.mkdir(exist_ok=True)
    shot = shots / "frozen-window.png"
    report = r.smoke("window", str(sample_photo()), FMF_SMOKE_SCREENSHOT=str(shot))
    win = next((w for w in report["windows"] if w["main"]), None)
    if not report.get("ok") or win is None:
        raise AssertionError(f"no main window with a loaded model: {report}")
    if win.get("figurines") is None:
        raise AssertionError(f"the window did not identify the sample: {win}")
    return (f"{win['class']} '{win['title']}' {win['size'][0]}x{win['size'][1]}: model "
            f"{win['model_state']}, sample shows {win['figurines']} figurine(s); closed "
            f"(screenshot: {shot.relative_to(ROOT)})")


def check_video(r: Runner, folder: Path) -> str:
    clip = make_clip(folder)
    report = r.smoke("video", str(clip))
    if report.get("frames", 0) < 10:
        raise AssertionError(f"decoded {report.get('frames')} of 12 frames")
    return (f"{report['frames']} frames of {clip.name} decoded by OpenCV "
            f"{report.get('opencv')} ({report.get('backend')}; FFmpeg "
            f"{'in' if report.get('ffmpeg') else 'not in'} the bundle)")


def check_images(r: Runner, folder: Path) -> str:
    report = r.smoke("images", str(make_photos(folder)))
    bad = {k: v for k, v in report["results"].items() if not isinstance(v, list)}
    bad.update({f"cv2.imdecode {k}": None for k, v in report.get("opencv_imdecode", {}).items()
                if v is None})
    if bad or not report.get("ok"):
        raise AssertionError(f"could not open {bad}")
    return ("opened " + ", ".join(sorted(report["results"])) + "; cv2.imdecode read "
            + ", ".join(sorted(report.get("opencv_imdecode", {}))))


def check_lapack(r: Runner) -> str:
    report = r.smoke("lapack")
    if not report.get("ok"):
        raise AssertionError(f"OpenCV linear algebra disagrees with NumPy: {report['checks']}")
    return ", ".join(report["checks"])


def check_qt_text(r: Runner) -> str:
    frozen = r.smoke("qt-text")["result"]
    proc = subprocess.run([sys.executable, str(PACKAGING / "launcher.py")],
                          capture_output=True, text=True, check=False, timeout=TIMEOUT_S,
                          env={**os.environ, "FMF_SMOKE": "qt-text",
                               "QT_QPA_PLATFORM": "offscreen"})
    lines = parse_json_lines(proc.stdout)
    if proc.returncode != 0 or not lines:
        raise Skip(f"the unfrozen app cannot run the reference: {proc.stderr[-300:]}")
    reference = lines[-1]["result"]
    if frozen != reference:
        raise AssertionError(f"frozen {frozen} != unfrozen {reference}")
    return "collation, codecs, case mapping, zone names as unfrozen: " + \
        ", ".join(" ".join(v) for k, v in frozen.items() if k.startswith("sort de"))


def check_offline(r: Runner) -> str:
    if r.offline:
        return f"all checks ran under `{' '.join(r.offline)}` (no network interface)"
    if r.connections:
        raise AssertionError(f"the app connected to {sorted(set(r.connections))}")
    try:
        import psutil  # noqa: F401
    except ImportError:
        raise Skip("no network namespace and no psutil to watch connections") from None
    return "no internet connection attempts seen while the checks ran"


def expected_data_bases(r: Runner) -> list[Path]:
    """Where the per-user data folder may be for this run.

    Linux follows XDG_DATA_HOME, which the runner points into a fresh home; Windows and
    macOS ask the OS for the user's folders, which may ignore HOME and give the real one.
    """
    if sys.platform.startswith("linux"):
        return [r.home.resolve()]
    return [r.home.resolve(), Path.home().resolve()]


def check_user_data(r: Runner, root: Path, before: dict[str, tuple[int, int]]) -> str:
    # Teaching a figure writes the taught-figure library: it must land in the data folder.
    taught = r.run(["teach", "--name", "Smoke Test Figure", "--whole-image",
                    str(sample_photo())])
    if taught.returncode != 0:
        raise AssertionError(f"teach exited {taught.returncode}: {taught.stderr[-1500:]}")
    report = r.smoke("paths")
    data_dir = Path(report["app_data_dir"]).resolve()
    library_files = [p for p in data_dir.rglob("*") if p.is_file()] if data_dir.is_dir() else []
    if not library_files:
        raise AssertionError(f"teach wrote nothing into the data folder {data_dir}")
    bases = expected_data_bases(r)
    if not any(base in data_dir.parents for base in bases):
        raise AssertionError(f"data folder {data_dir} is not under the user's folder {bases}")
    if root.resolve() == data_dir or root.resolve() in data_dir.parents:
        raise AssertionError(f"data folder {data_dir} is inside the install folder")
    after = snapshot(root)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if changed:
        raise AssertionError(f"the install folder changed: {changed[:10]}")
    home = r.home.resolve()
    in_home = sorted(str(p.relative_to(home)) for p in home.rglob("*")
                     if p.is_file() and "runtime" not in p.parts)
    return (f"data folder {data_dir} holds {', '.join(sorted(p.name for p in library_files))}; "
            f"install folder unchanged after all checks; the fresh home got {in_home}")


def check_browser_env(r: Runner) -> str:
    if not sys.platform.startswith("linux"):
        report = r.smoke("browser-env")
        return f"shop link handed over: {report['child'].get('url')}"
    user_value = "/opt/user-libs"
    with_user = r.smoke("browser-env", LD_LIBRARY_PATH=user_value)
    without = r.smoke("browser-env", LD_LIBRARY_PATH=None)
    meipass = with_user.get("meipass") or ""
    app_value = with_user.get("app_LD_LIBRARY_PATH") or ""
    if meipass not in app_value:
        raise AssertionError(f"expected the bundle to set LD_LIBRARY_PATH, got {app_value!r}")
    if with_user["child"].get("LD_LIBRARY_PATH") != user_value:
        raise AssertionError(f"browser got LD_LIBRARY_PATH={with_user['child']!r}, "
                             f"expected the user's {user_value!r}")
    if without["child"].get("LD_LIBRARY_PATH") is not None:
        raise AssertionError(f"browser got LD_LIBRARY_PATH={without['child']!r}, "
                             "expected none (the user had none)")
    return f"app has {app_value!r}; browser gets {user_value!r}, or nothing when unset"


#: Libraries Qt's X11 platform plugin (libqxcb) needs that many desktops do not have
#: (Qt's Linux requirements list them): the bundle must carry them. The core X11/xcb
#: libraries every X11 desktop has are left to the system.
X11_HELPER_LIBRARIES = ("libxcb-cursor.", "libxcb-icccm.", "libxcb-keysyms.", "libxcb-image.",
                        "libxcb-render-util.", "libxcb-util.")


def check_x11_libraries(r: Runner) -> str:
    if not sys.platform.startswith("linux"):
        raise Skip("X11 is Linux only")
    if shutil.which("ldd") is None:
        raise Skip("no ldd on this machine")
    bundle = r.executable.parent / "_internal"
    plugins = sorted(bundle.rglob("libqxcb.so")) + sorted(bundle.rglob("libQt6XcbQpa.so*"))
    if not plugins:
        raise AssertionError(f"no X11 platform plugin (libqxcb.so) under {bundle}")
    # The frozen app's loader searches the bundle first, as LD_LIBRARY_PATH does here.
    env = {**os.environ, "LD_LIBRARY_PATH": str(bundle)}
    found: dict[str, str] = {}
    for plugin in plugins:
        out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, env=env,
                             check=False).stdout
        for line in out.splitlines():
            name, _, where = line.strip().partition(" => ")
            if name.startswith(X11_HELPER_LIBRARIES):
                found[name] = where.split(" (")[0]
    outside = {name: where for name, where in found.items()
               if not where.startswith(str(bundle))}
    if outside or not found:
        raise AssertionError(
            f"X11 helper libraries not in the bundle (install them on the build machine so "
            f"PyInstaller collects them): {outside or 'none of ' + str(X11_HELPER_LIBRARIES)}")
    return f"{len(found)} bundled: {', '.join(sorted(found))}"


def run_checks(executable: Path, only: Sequence[str] = ()) -> list[Outcome]:
    root = install_root(executable)
    offline = network_isolation_prefix()
    before = snapshot(root)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="fmf-smoke-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        runner = Runner(executable, home, offline)
        checks: list[tuple[str, Callable[[], str]]] = [
            ("selftest", lambda: check_selftest(runner)),
            ("identify matches unfrozen", lambda: check_identify(runner)),
            ("window opens and closes", lambda: check_window(runner)),
            ("video file decodes", lambda: check_video(runner, Path(tmp))),
            ("photo formats open", lambda: check_images(runner, Path(tmp))),
            ("opencv linear algebra", lambda: check_lapack(runner)),
            ("qt text services", lambda: check_qt_text(runner)),
            ("browser gets user's LD_LIBRARY_PATH", lambda: check_browser_env(runner)),
            ("x11 libraries bundled", lambda: check_x11_libraries(runner)),
            ("no network needed", lambda: check_offline(runner)),
            ("data in per-user folder", lambda: check_user_data(runner, root, before)),
        ]
        for name, check in checks:
            if only and not any(word in name for word in only):
                continue
            started = time.monotonic()
            try:
                detail = check()
                status = "PASS"
            except Skip as exc:
                status, detail = "SKIP", str(exc)
            except Exception as exc:  # a failed check must not hide the others
                status, detail = "FAIL", f"{type(exc).__name__}: {exc}"
            took = time.monotonic() - started
            outcomes.append(Outcome(name, status, detail))
            print(f"{status} {name} ({took:.1f} s): {detail}", flush=True)
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="smoke_test.py", description=__doc__.split("\n")[0])
    parser.add_argument("executable", nargs="?", type=Path, default=None,
                        help="the frozen app (default: this platform's bundle in dist/)")
    parser.add_argument("--only", action="append", default=[],
                        help="run only checks whose name contains this word (repeatable)")
    args = parser.parse_args(argv)
    executable = (args.executable or default_executable()).resolve()
    if not executable.is_file():
        print(f"no frozen app at {executable}: build it with `python packaging/build.py`",
              file=sys.stderr)
        return 2
    print(f"smoke-testing {executable}", flush=True)
    outcomes = run_checks(executable, args.only)
    passed = sum(o.status == "PASS" for o in outcomes)
    failed = sum(o.status == "FAIL" for o in outcomes)
    skipped = sum(o.status == "SKIP" for o in outcomes)
    print(f"smoke: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
