"""Build the double-click artefact for the platform this runs on, the same way everywhere.

    python packaging/build.py                # bundle + artefact in dist/
    python packaging/build.py --smoke-test   # ... then run packaging/smoke_test.py on it
    python packaging/build.py --dry-run      # print the steps, run nothing
    python packaging/build.py --opencv slim  # use (or first build) the slim OpenCV

OpenCV: ``--opencv auto`` (the default) freezes the slim OpenCV that
``packaging/slim_opencv.py`` built for this Python when it is in its cache, and the
``opencv-python-headless`` wheel otherwise (so a fresh clone never compiles OpenCV);
``slim`` builds it first when missing (about half an hour on 2 cores), ``wheel`` always
takes the wheel. The slim package is put first on PYTHONPATH for PyInstaller only.

Artefacts (``<v>`` is the package version, ``<arch>`` the machine):
- Linux:   dist/FindMyFigurine/ and dist/FindMyFigurine-<v>-linux-<arch>.tar.gz
- macOS:   dist/Find My Figurine.app and dist/FindMyFigurine-<v>-macos-<arch>.dmg (hdiutil)
- Windows: dist/FindMyFigurine/ and dist/FindMyFigurine-Setup-<v>.exe (Inno Setup's ISCC)

It prints the unpacked and compressed sizes and the build time, and writes them to
dist/build-report.json. Needs the app installed in the running Python
(``pip install -e .[package]``), because the spec reads the version from its metadata.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
sys.path.insert(0, str(PACKAGING))
import bundle_policy as policy  # noqa: E402
import slim_opencv  # noqa: E402

#: Targets from the issue; over them the build still succeeds but says so
#: (``--enforce-budget`` turns that into a failure). .ci/run does not enforce them: a fresh
#: CI machine freezes the full opencv-python-headless wheel, which is over them; the slim
#: OpenCV (slim_opencv.py) is what keeps a release build under them.
BUDGET_UNPACKED_MB = 250
BUDGET_COMPRESSED_MB = 120
ISCC_CANDIDATES = (
    r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe",
    r"C:\Program Files\Inno Setup 6\ISCC.exe",
)
PLATFORMS = ("linux", "macos", "windows")
OPENCV_CHOICES = ("auto", *policy.OPENCV_FLAVOURS)


@dataclass
class Step:
    name: str
    command: list[str] | None = None  # None: done in Python (described by `name`)
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Layout:
    """Where everything goes for one platform."""

    platform: str
    version: str
    arch: str
    dist: Path
    work: Path

    @property
    def bundle(self) -> Path:
        if self.platform == "macos":
            return self.dist / f"{policy.APP_DISPLAY_NAME}.app"
        return self.dist / policy.BUNDLE_DIR_NAME

    @property
    def artefact(self) -> Path:
        if self.platform == "linux":
            return self.dist / f"FindMyFigurine-{self.version}-linux-{self.arch}.tar.gz"
        if self.platform == "macos":
            return self.dist / f"FindMyFigurine-{self.version}-macos-{self.arch}.dmg"
        return self.dist / f"FindMyFigurine-Setup-{self.version}.exe"

    @property
    def cli_executable(self) -> Path:
        """The executable the smoke test drives (console-capable on every platform)."""
        if self.platform == "macos":
            return self.bundle / "Contents" / "MacOS" / policy.APP_EXE_NAME
        if self.platform == "windows":
            return self.bundle / f"{policy.CLI_EXE_NAME}.exe"
        return self.bundle / policy.APP_EXE_NAME


current_platform = slim_opencv.platform_name


def package_version() -> str:
    try:
        return importlib.metadata.version("fmf-desktop")
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(
            "fmf-desktop is not installed in this Python; run `pip install -e .[package]` "
            "first (the bundle's version comes from the package metadata)."
        ) from None


def find_iscc() -> str | None:
    found = os.environ.get("ISCC") or shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return found
    return next((c for c in ISCC_CANDIDATES if Path(c).is_file()), None)


def opencv_env(flavour: str, slim_python_dir: Path | None) -> dict[str, str]:
    """Environment for PyInstaller: which OpenCV the spec must find, and where."""
    if flavour == "wheel":
        return {policy.OPENCV_ENV: "wheel"}
    if slim_python_dir is None:
        raise ValueError("the slim OpenCV needs its folder")
    path = os.pathsep.join(p for p in (str(slim_python_dir), os.environ.get("PYTHONPATH"))
                           if p)
    return {policy.OPENCV_ENV: "slim", policy.OPENCV_DIR_ENV: str(slim_python_dir),
            "PYTHONPATH": path}


def choose_opencv(requested: str, *, dry_run: bool = False) -> tuple[str, Path | None, str]:
    """(flavour, slim folder or None, why) for ``--opencv auto|slim|wheel``."""
    if requested == "wheel":
        return "wheel", None, "the opencv-python-headless wheel (--opencv wheel)"
    found = slim_opencv.find_slim()
    if found is not None:
        return "slim", slim_opencv.python_dir(found), f"the slim OpenCV in {found}"
    if requested == "auto":
        return "wheel", None, ("the opencv-python-headless wheel: no slim OpenCV built for "
                               "this Python (python packaging/slim_opencv.py builds one)")
    if dry_run:
        return "slim", Path("<slim OpenCV>"), (
            "the slim OpenCV, built first by packaging/slim_opencv.py")
    installed = slim_opencv.build(os.cpu_count() or 2)
    return "slim", slim_opencv.python_dir(installed), f"the slim OpenCV in {installed}"


def plan(layout: Layout, *, clean: bool = False, iscc: str = "ISCC.exe",
         opencv: str = "wheel", slim_dir: Path | None = None) -> list[Step]:
    """The build steps for ``layout.platform``, in order (``--dry-run`` prints these)."""
    pyinstaller = [
        sys.executable, "-m", "PyInstaller", "--noconfirm",
        "--distpath", str(layout.dist), "--workpath", str(layout.work),
        str(PACKAGING / "fmf_desktop.spec"),
    ]
    if clean:
        pyinstaller.insert(4, "--clean")
    steps = [Step("pyinstaller", pyinstaller, opencv_env(opencv, slim_dir))]
    if layout.platform == "linux":
        steps.append(Step("strip symbols from " + ", ".join(policy.STRIP_PATTERNS)))
        steps.append(Step("add .desktop file, icon and menu installer to the bundle"))
        steps.append(Step(f"tar.gz -> {layout.artefact.name}"))
    elif layout.platform == "macos":
        staging = layout.work / "dmg"
        steps.append(Step(f"stage {layout.bundle.name} and an /Applications link in {staging}"))
        steps.append(Step("hdiutil", [
            "hdiutil", "create", "-volname", policy.APP_DISPLAY_NAME,
            "-srcfolder", str(staging), "-ov", "-format", "UDZO", str(layout.artefact),
        ]))
    else:
        steps.append(Step("iscc", [
            iscc, f"/DAppVersion={layout.version}", f"/DSourceDir={layout.bundle}",
            f"/DOutputDir={layout.dist}", f"/DIconFile={PACKAGING / 'icons' / 'fmf.ico'}",
            str(PACKAGING / "windows" / "FindMyFigurine.iss"),
        ]))
    return steps


def tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def biggest_parts(bundle: Path, count: int = 8) -> list[tuple[str, int]]:
    """Sizes of the bundle's top-level library entries, biggest first (for the report)."""
    lib = next((p for p in (bundle / "_internal", bundle / "Contents" / "Frameworks")
                if p.is_dir()), bundle)
    sizes = [(p.name, tree_size(p)) for p in lib.iterdir()]
    return sorted(sizes, key=lambda item: -item[1])[:count]


def strip_linux(layout: Layout) -> int:
    """Strip the libraries listed in bundle_policy.STRIP_PATTERNS; returns bytes saved."""
    if shutil.which("strip") is None:
        print("strip not found: shipping the libraries with their symbols")
        return 0
    saved = 0
    for path in policy.strip_candidates(layout.bundle / "_internal"):
        before = path.stat().st_size
        subprocess.run(["strip", "--strip-unneeded", str(path)], check=True)
        saved += before - path.stat().st_size
    return saved


def finish_linux(layout: Layout) -> None:
    saved = strip_linux(layout)
    print(f"stripped {saved / 1024 / 1024:.1f} MB of symbols")
    linux = PACKAGING / "linux"
    shutil.copy2(linux / "fmf-desktop.desktop", layout.bundle / "fmf-desktop.desktop")
    shutil.copy2(linux / "install-desktop-entry.sh", layout.bundle / "install-desktop-entry.sh")
    (layout.bundle / "install-desktop-entry.sh").chmod(0o755)
    shutil.copy2(PACKAGING / "icons" / "fmf-256.png", layout.bundle / "fmf-desktop.png")
    with tarfile.open(layout.artefact, "w:gz", compresslevel=9) as tar:
        tar.add(layout.bundle, arcname=layout.bundle.name)


def finish_macos(layout: Layout, steps: list[Step]) -> None:
    staging = layout.work / "dmg"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    # symlinks=True keeps the framework links inside the .app intact (and small).
    shutil.copytree(layout.bundle, staging / layout.bundle.name, symlinks=True)
    (staging / "Applications").symlink_to("/Applications")
    layout.artefact.unlink(missing_ok=True)
    # hdiutil now and then fails with "Resource busy" on CI machines; a retry fixes it.
    for attempt in range(3):
        try:
            run(next(s for s in steps if s.name == "hdiutil"))
            return
        except subprocess.CalledProcessError:
            if attempt == 2:
                raise
            time.sleep(5)


def run(step: Step) -> None:
    assert step.command is not None
    print(f"$ {' '.join(step.command)}", flush=True)
    env = {**os.environ, **step.env}
    subprocess.run(step.command, check=True, cwd=ROOT, env=env)


def build(layout: Layout, *, clean: bool, opencv: str = "wheel",
          slim_dir: Path | None = None) -> dict:
    iscc = find_iscc() if layout.platform == "windows" else None
    if layout.platform == "windows" and iscc is None:
        raise SystemExit("Inno Setup's ISCC.exe was not found: install Inno Setup 6 "
                         "(e.g. `choco install innosetup`) or set ISCC=path\\to\\ISCC.exe")
    steps = plan(layout, clean=clean, iscc=iscc or "ISCC.exe", opencv=opencv,
                 slim_dir=slim_dir)
    started = time.monotonic()
    run(steps[0])
    frozen_s = time.monotonic() - started
    if layout.platform == "linux":
        finish_linux(layout)
    elif layout.platform == "macos":
        finish_macos(layout, steps)
    else:
        run(steps[1])
    total_s = time.monotonic() - started
    return {
        "platform": layout.platform,
        "version": layout.version,
        "opencv": opencv,
        "bundle": str(layout.bundle),
        "artefact": str(layout.artefact),
        "unpacked_bytes": tree_size(layout.bundle),
        "compressed_bytes": layout.artefact.stat().st_size,
        "pyinstaller_seconds": round(frozen_s, 1),
        "build_seconds": round(total_s, 1),
        "biggest_parts": biggest_parts(layout.bundle),
    }


def print_report(report: dict) -> list[str]:
    """Print the sizes and time; returns the budget problems (empty when within)."""
    mb = 1024 * 1024
    unpacked = report["unpacked_bytes"] / mb
    compressed = report["compressed_bytes"] / mb
    print(f"\nbundle    {report['bundle']}: {unpacked:.1f} MB unpacked "
          f"(target <= {BUDGET_UNPACKED_MB} MB)")
    print(f"artefact  {report['artefact']}: {compressed:.1f} MB "
          f"(target <= {BUDGET_COMPRESSED_MB} MB)")
    print(f"opencv    {report.get('opencv', 'wheel')}")
    print(f"time      {report['build_seconds']:.0f} s "
          f"(PyInstaller {report['pyinstaller_seconds']:.0f} s)")
    print("biggest   " + ", ".join(f"{n} {s / mb:.1f} MB" for n, s in report["biggest_parts"]))
    problems = []
    if unpacked > BUDGET_UNPACKED_MB:
        problems.append(f"unpacked {unpacked:.0f} MB > {BUDGET_UNPACKED_MB} MB")
    if compressed > BUDGET_COMPRESSED_MB:
        problems.append(f"compressed {compressed:.0f} MB > {BUDGET_COMPRESSED_MB} MB")
    for problem in problems:
        print(f"over budget: {problem}")
    return problems


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Build Find My Figurine's bundle and installer for this platform.",
    )
    parser.add_argument("--smoke-test", action="store_true",
                        help="run packaging/smoke_test.py on the fresh bundle")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the steps and artefact names, build nothing")
    parser.add_argument("--platform", choices=PLATFORMS, default=current_platform(),
                        help="only with --dry-run: show another platform's steps")
    parser.add_argument("--clean", action="store_true",
                        help="ignore PyInstaller's cache (slower, for release builds)")
    parser.add_argument("--enforce-budget", action="store_true",
                        help=f"fail when over {BUDGET_UNPACKED_MB} MB unpacked or "
                        f"{BUDGET_COMPRESSED_MB} MB compressed")
    parser.add_argument("--opencv", choices=OPENCV_CHOICES, default="auto",
                        help="slim: the OpenCV built by packaging/slim_opencv.py (built "
                        "first if missing); wheel: opencv-python-headless as installed; "
                        "auto (default): slim if already built, else the wheel")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.platform != current_platform() and not args.dry_run:
        print(f"cannot build for {args.platform} on {current_platform()}: PyInstaller "
              "does not cross-compile (use --dry-run to see the steps)", file=sys.stderr)
        return 2
    version = package_version() if not args.dry_run else _version_for_dry_run()
    layout = Layout(args.platform, version, platform.machine().lower() or "unknown",
                    args.dist.resolve(), (ROOT / "build" / "pyinstaller").resolve())
    opencv, slim_dir, why = choose_opencv(args.opencv, dry_run=args.dry_run)
    if args.dry_run:
        steps = plan(layout, clean=args.clean, opencv=opencv, slim_dir=slim_dir)
        for n, step in enumerate(steps, 1):
            print(f"{n}. {step.name}" + (f": {' '.join(step.command)}" if step.command else "")
                  + "".join(f" [{k}={v}]" for k, v in step.env.items()))
        print(f"opencv: {why}")
        print(f"bundle: {layout.bundle}")
        print(f"artefact: {layout.artefact}")
        print(f"smoke test: {layout.cli_executable}" if args.smoke_test else "no smoke test")
        return 0
    print(f"opencv: {why}", flush=True)
    report = build(layout, clean=args.clean, opencv=opencv, slim_dir=slim_dir)
    problems = print_report(report)
    (layout.dist / "build-report.json").write_text(json.dumps(report, indent=2) + "\n")
    if args.smoke_test:
        code = subprocess.run([sys.executable, str(PACKAGING / "smoke_test.py"),
                               str(layout.cli_executable)], cwd=ROOT, check=False).returncode
        if code != 0:
            return code
    return 1 if problems and args.enforce_budget else 0


def _version_for_dry_run() -> str:
    try:
        return importlib.metadata.version("fmf-desktop")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


if __name__ == "__main__":
    sys.exit(main())
