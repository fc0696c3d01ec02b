"""Build a slim OpenCV for the bundle: only the modules and codecs the app uses.

    python packaging/slim_opencv.py              # fetch, configure, compile, install (cached)
    python packaging/slim_opencv.py --print-path # the folder build.py puts first on the path
    python packaging/slim_opencv.py --dry-run    # show the cmake configuration, build nothing
    python packaging/slim_opencv.py --print-key  # the build's name (a CI cache key)

The ``opencv-python-headless`` wheel ships every OpenCV module in one 74 MB ``cv2``
extension plus 43 MB of FFmpeg, libaom, libvpx, OpenBLAS and friends. The app calls a
small part of core, imgproc, imgcodecs and videoio (``REQUIRED_CV2_NAMES`` lists every
``cv2.NAME`` in ``src/``; the build checks they all exist). This script builds exactly
those modules from the source inside the same version's PyPI sdist (no GitHub needed),
for the running Python and NumPy, and installs a ``cv2`` package (OpenCV's own loader)
that ``build.py --opencv slim`` puts in front of the wheel's when PyInstaller runs.

What it leaves out (see ``cmake_options``): FFmpeg/GStreamer (video files then decode
through OpenCV's built-in MJPEG-in-AVI reader only; cameras use V4L2 on Linux, Media
Foundation/DirectShow on Windows, AVFoundation on macOS, all built in), every codec the
app never reaches through OpenCV (AVIF, WebP, JPEG 2000, OpenEXR, GIF: Pillow reads
those first), IPP (its download comes from GitHub), LAPACK/OpenBLAS (OpenCV's own
solvers are used), OpenCL, the built-in Unicode font, tracing, and SIMD code paths other
than the baseline plus AVX2 on x86-64.

Downloads and the build live outside git, in ``$FMF_OPENCV_CACHE`` (default
``~/.cache/fmf/opencv``): the sdist, its unpacked source, cmake's build folder (one per
OpenCV version and Python, kept, so changing an option recompiles only what it touches)
and the installed package, ``slim-<version>-<python>-<key>``, keyed by the OpenCV
version, the cmake options, the Python version and NumPy's major version, so a rebuild
happens only when one of those changes. The package is what build.py and CI use.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import time
import urllib.request
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
DIST_NAME = "opencv-python-headless"
INDEX_URL = "https://pypi.org/simple"
STAMP = "slim-opencv.json"

#: The OpenCV modules built (``python3`` is the bindings). videoio needs imgcodecs and
#: imgproc; nothing else is pulled in.
MODULES = ("core", "imgproc", "imgcodecs", "videoio", "python3")


def cache_root() -> Path:
    env = os.environ.get("FMF_OPENCV_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "fmf" / "opencv"


def wheel_version() -> str:
    """The opencv-python-headless version installed here: the slim build matches it."""
    return importlib.metadata.version(DIST_NAME)


def platform_name() -> str:
    """This machine as build.py names platforms: windows, macos or linux."""
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


def is_x86_64(machine: str | None = None) -> bool:
    return (machine or platform.machine()).lower() in ("x86_64", "amd64", "x64")


def cmake_options(target: str, machine: str) -> list[str]:
    """The configuration, as ``-DNAME=VALUE`` flags (no paths: those are added later)."""
    on, off = "ON", "OFF"
    options = {
        "CMAKE_BUILD_TYPE": "Release",
        "BUILD_LIST": ",".join(MODULES),
        "BUILD_SHARED_LIBS": off,  # one self-contained cv2 extension, like the wheel
        "BUILD_TESTS": off, "BUILD_PERF_TESTS": off, "BUILD_EXAMPLES": off,
        "BUILD_opencv_apps": off, "BUILD_DOCS": off, "BUILD_JAVA": off,
        "BUILD_opencv_java": off, "BUILD_opencv_js": off, "BUILD_OBJC": off,
        "BUILD_opencv_python2": off, "BUILD_PACKAGE": off,
        "INSTALL_C_EXAMPLES": off, "INSTALL_PYTHON_EXAMPLES": off,
        "OPENCV_GENERATE_PKGCONFIG": off, "ENABLE_PRECOMPILED_HEADERS": off,
        # Video: no FFmpeg/GStreamer. OpenCV's own MJPEG-in-AVI reader and writer stay,
        # and the platform camera APIs (V4L2, MSMF/DirectShow, AVFoundation) are built in.
        "WITH_FFMPEG": off, "WITH_GSTREAMER": off, "WITH_1394": off, "WITH_OPENNI": off,
        "WITH_OPENNI2": off, "WITH_PVAPI": off, "WITH_ARAVIS": off, "WITH_XIMEA": off,
        "WITH_UEYE": off, "WITH_XINE": off, "WITH_GPHOTO2": off, "WITH_LIBREALSENSE": off,
        "WITH_OBSENSOR": off, "WITH_MFX": off, "WITH_VA": off, "WITH_VA_INTEL": off,
        "WITH_ANDROID_MEDIANDK": off,
        # No loading of videoio plugins (an FFmpeg/GStreamer libopencv_videoio_*.so found
        # on the user's machine): the frozen app behaves the same everywhere.
        "VIDEOIO_ENABLE_PLUGINS": off,
        # Photos: Pillow decodes first; OpenCV is the fallback for what Pillow cannot
        # (16-bit RGB TIFF, some PNG variants), so JPEG, PNG and TIFF stay, built from
        # OpenCV's bundled sources (with zlib) rather than the system's.
        "WITH_JPEG": on, "BUILD_JPEG": on, "WITH_PNG": on, "BUILD_PNG": on,
        "WITH_SPNG": off, "WITH_TIFF": on, "BUILD_TIFF": on, "BUILD_ZLIB": on,
        "WITH_ZLIB_NG": off, "WITH_WEBP": off, "WITH_AVIF": off, "WITH_JASPER": off,
        "WITH_OPENJPEG": off, "WITH_JPEGXL": off, "WITH_OPENEXR": off, "WITH_GDAL": off,
        "WITH_GDCM": off, "WITH_IMGCODEC_GIF": off, "WITH_IMGCODEC_HDR": off,
        "WITH_IMGCODEC_SUNRASTER": off, "WITH_IMGCODEC_PFM": off,
        # No GUI, no GPU, no extra math libraries, nothing downloaded from GitHub.
        "WITH_QT": off, "WITH_GTK": off, "WITH_WIN32UI": off, "WITH_OPENGL": off,
        "WITH_VTK": off, "WITH_WAYLAND": off, "WITH_FRAMEBUFFER": off,
        "WITH_OPENCL": off, "WITH_CUDA": off, "WITH_VULKAN": off, "WITH_OPENVINO": off,
        "WITH_DIRECTX": off, "WITH_DIRECTML": off, "WITH_ONNXRUNTIME": off,
        "WITH_IPP": off, "BUILD_IPP_IW": off, "WITH_LAPACK": off, "WITH_EIGEN": off,
        "WITH_TBB": off, "WITH_OPENMP": off, "WITH_HPX": off, "WITH_ITT": off,
        "BUILD_ITT": off, "CV_TRACE": off, "WITH_PROTOBUF": off, "WITH_FLATBUFFERS": off,
        "WITH_UNIFONT": off, "WITH_KLEIDICV": off, "WITH_FASTCV": off, "WITH_ARMPL": off,
        "WITH_TIMVX": off, "WITH_CANN": off, "WITH_WEBNN": off,
        "OPENCV_PYTHON3_INSTALL_PATH": "python",
        # No RUNPATH into this machine's cache folder: the extension needs only the C and
        # C++ runtimes.
        "CMAKE_SKIP_INSTALL_RPATH": on,
    }
    if target == "linux":
        options["WITH_V4L"] = on
    elif target == "windows":
        options.update(WITH_MSMF=on, WITH_DSHOW=on, WITH_MSMF_DXVA=off)
    elif target == "macos":
        options["WITH_AVFOUNDATION"] = on
    if is_x86_64(machine):
        # The wheel dispatches SSE4.1/4.2/AVX/FP16/AVX2/AVX-512 variants; AVX2 covers
        # every x86 CPU since 2013 and halves the dispatched files to compile.
        options.update(CPU_BASELINE="SSE3", CPU_DISPATCH="AVX2")
    return [f"-D{name}={value}" for name, value in options.items()]


def python_options() -> list[str]:
    """Build the bindings for this Python and this NumPy."""
    import numpy

    include = sysconfig.get_paths()["include"]
    options = [
        f"-DPYTHON3_EXECUTABLE={sys.executable}",
        f"-DPYTHON_DEFAULT_EXECUTABLE={sys.executable}",
        f"-DPYTHON3_INCLUDE_DIR={include}",
        f"-DPYTHON3_NUMPY_INCLUDE_DIRS={numpy.get_include()}",
    ]
    if sys.platform == "darwin":
        # Run on every macOS this Python runs on, not only on the build machine's version.
        target = sysconfig.get_config_var("MACOSX_DEPLOYMENT_TARGET")
        if target:
            options.append(f"-DCMAKE_OSX_DEPLOYMENT_TARGET={target}")
    if sys.platform == "win32":
        major, minor = sys.version_info[:2]
        lib = Path(sys.base_prefix) / "libs" / f"python{major}{minor}.lib"
        if lib.is_file():
            options.append(f"-DPYTHON3_LIBRARY={lib}")
    return options


def python_tag() -> str:
    return f"cp{sys.version_info[0]}{sys.version_info[1]}"


def numpy_major() -> str:
    return importlib.metadata.version("numpy").split(".")[0]


def build_key(version: str, options: list[str], tag: str, numpy: str) -> str:
    """Short hash naming one configuration's build (any change -> a fresh build)."""
    text = json.dumps([version, options, tag, numpy, sys.platform, platform.machine()])
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def install_dir(version: str | None = None) -> Path:
    """Where this configuration's package is installed (may not exist yet)."""
    version = version or wheel_version()
    options = cmake_options(platform_name(), platform.machine())
    key = build_key(version, options, python_tag(), numpy_major())
    return cache_root() / f"slim-{version}-{python_tag()}-{key}"


def python_dir(install: Path) -> Path:
    """The folder holding the ``cv2`` package (what goes on PYTHONPATH)."""
    return install / "python"


def find_slim(version: str | None = None) -> Path | None:
    """The installed slim build for this configuration, or None if it is not built."""
    try:
        install = install_dir(version)
    except importlib.metadata.PackageNotFoundError:
        return None
    return install if is_built(install) else None


def is_built(install: Path) -> bool:
    """Did a build finish installing into ``install`` (its stamp is written last)?"""
    return (install / STAMP).is_file() and (python_dir(install) / "cv2" / "__init__.py").is_file()


# -- source --------------------------------------------------------------------------------

def sdist_file_name(version: str) -> str:
    return f"{DIST_NAME.replace('-', '_')}-{version}.tar.gz"


def find_sdist(index_json: dict, version: str) -> dict:
    """The sdist entry (url, hashes) of ``version`` in a PEP 691 JSON project page."""
    wanted = {sdist_file_name(version), f"{DIST_NAME}-{version}.tar.gz"}
    for entry in index_json.get("files", []):
        if entry["filename"] in wanted:
            return entry
    raise SystemExit(f"{DIST_NAME} {version} has no source distribution on the index")


def fetch_sdist(version: str, cache: Path) -> Path:
    """Download the sdist from PyPI's simple index (PEP 691 JSON), checking its sha256.

    ``pip download --no-binary`` would also work but first runs the sdist's build
    backend (which needs a whole build toolchain) just to read its metadata.
    """
    target = cache / sdist_file_name(version)
    if target.is_file():
        return target
    index = os.environ.get("FMF_PYPI_SIMPLE", INDEX_URL).rstrip("/")
    request = urllib.request.Request(f"{index}/{DIST_NAME}/",
                                     headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        entry = find_sdist(json.load(response), version)
    sha256 = entry["hashes"]["sha256"]
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    print(f"downloading {entry['url']}", flush=True)
    digest = hashlib.sha256()
    with urllib.request.urlopen(entry["url"], timeout=600) as response, partial.open("wb") as out:
        while chunk := response.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha256:
        partial.unlink()
        raise SystemExit(f"{entry['filename']}: sha256 {digest.hexdigest()} != index {sha256}")
    partial.rename(target)
    return target


def unpack_source(sdist: Path, cache: Path) -> Path:
    """The OpenCV source tree inside the sdist (``<sdist>/opencv``), unpacked once."""
    folder = cache / "src" / sdist.name.removesuffix(".tar.gz")
    source = folder / "opencv"
    if (source / "CMakeLists.txt").is_file():
        return source
    shutil.rmtree(folder, ignore_errors=True)
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if "/opencv/" in f"/{m.name}/"]
        kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(cache / "src", members=members, **kwargs)
    if not (source / "CMakeLists.txt").is_file():
        raise SystemExit(f"{sdist.name} holds no opencv/ source tree")
    return source


# -- build ---------------------------------------------------------------------------------

def nice_prefix() -> list[str]:
    """Compile at a lower priority where the OS has ``nice`` (shared machines)."""
    return ["nice", "-n", "10"] if shutil.which("nice") and sys.platform != "win32" else []


def generator_options() -> list[str]:
    if sys.platform == "win32":
        return ["-A", "x64"] if is_x86_64() else []
    return ["-G", "Unix Makefiles"]


def strip_extension(path: Path) -> None:
    if sys.platform.startswith("linux") and shutil.which("strip"):
        subprocess.run(["strip", "--strip-unneeded", str(path)], check=True)
    elif sys.platform == "darwin" and shutil.which("strip"):
        subprocess.run(["strip", "-x", str(path)], check=True)


def extension_file(install: Path) -> Path:
    found = sorted((python_dir(install) / "cv2").glob("python-3*/cv2*"))
    found = [p for p in found if p.suffix in (".so", ".pyd")]
    if not found:
        raise SystemExit(f"no cv2 extension under {python_dir(install) / 'cv2'}")
    return found[0]


def missing_tools(machine: str | None = None, which=shutil.which) -> list[str]:
    """Tools the build needs that are not on PATH (empty when it can go ahead)."""
    missing = [] if which("cmake") else ["cmake"]
    # libjpeg-turbo's x86 SIMD is assembly: without NASM it silently builds plain C, and
    # every camera frame (MJPEG, decoded by OpenCV's libjpeg-turbo) takes ~3x longer.
    if is_x86_64(machine) and not (which("nasm") or which("yasm")):
        missing.append("nasm")
    return missing


def jpeg_simd(configure_output: str) -> bool | None:
    """Whether cmake's summary says libjpeg-turbo got its SIMD code (None: not said)."""
    found = re.search(r"JPEG:.*\n.*SIMD Support Request:.*\n.*SIMD Support:\s+(\w+)",
                      configure_output)
    return None if found is None else found.group(1).upper() == "YES"


def forget_missing_nasm(work: Path) -> list[str]:
    """cmake remembers a NASM it did not find; forget that so an installed one is used."""
    cache = work / "CMakeCache.txt"
    if cache.is_file() and re.search(r"^CMAKE_ASM_NASM_COMPILER:FILEPATH=.*NOTFOUND$",
                                     cache.read_text(encoding="utf-8", errors="replace"),
                                     re.M):
        return ["-UCMAKE_ASM_NASM_COMPILER"]
    return []


def run(command: list[str], **kwargs) -> None:
    print("$ " + " ".join(command), flush=True)
    subprocess.run(command, check=True, **kwargs)


def build_dir(version: str) -> Path:
    """cmake's build folder: one per OpenCV version and Python, kept between runs, so a
    change of options reconfigures and recompiles only what it affects."""
    return cache_root() / f"build-{version}-{python_tag()}"


def build(jobs: int, *, fresh: bool = False) -> Path:
    version = wheel_version()
    install = install_dir(version)
    if is_built(install):
        print(f"slim OpenCV {version} already built: {install}")
        return install
    missing = missing_tools()
    if missing:  # before the 90 MB download: build.py --opencv slim comes here directly
        print(f"not found: {', '.join(missing)}; install them to build the slim OpenCV "
              "(Debian/Ubuntu: apt-get install cmake nasm; Windows: choco install nasm; "
              "macOS on Apple silicon needs no nasm)", file=sys.stderr)
        raise SystemExit(2)
    cache = cache_root()
    source = unpack_source(fetch_sdist(version, cache), cache)
    work = build_dir(version)
    if fresh:
        shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(install, ignore_errors=True)  # a half-installed earlier attempt
    options = [*cmake_options(platform_name(), platform.machine()), *python_options()]
    started = time.monotonic()
    configure = ["cmake", "-S", str(source), "-B", str(work), *generator_options(), *options,
                 f"-DCMAKE_INSTALL_PREFIX={install}", *forget_missing_nasm(work)]
    print("$ " + " ".join(configure), flush=True)
    proc = subprocess.run(configure, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)
    print(proc.stdout, flush=True)
    if proc.returncode != 0:
        raise SystemExit(f"cmake configure failed (exit {proc.returncode})")
    if jpeg_simd(proc.stdout) is False and (is_x86_64() or platform.machine().lower() in (
            "arm64", "aarch64")):
        raise SystemExit("libjpeg-turbo would build without SIMD (camera frames ~3x slower "
                         "to decode): install nasm and run again")
    configured = time.monotonic()
    run([*nice_prefix(), "cmake", "--build", str(work), "--config", "Release",
         "--parallel", str(jobs)])
    compiled = time.monotonic()
    run(["cmake", "--install", str(work), "--config", "Release", "--component", "python"])
    extension = extension_file(install)
    strip_extension(extension)
    missing = missing_names(python_dir(install))
    if missing:
        raise SystemExit(f"the slim cv2 lacks names the app uses: {missing}")
    stamp = {
        "opencv_python_headless": version,
        "python": python_tag(),
        "numpy_major": numpy_major(),
        "cmake_options": options,
        "configure_seconds": round(configured - started, 1),
        "compile_seconds": round(compiled - configured, 1),
        "jobs": jobs,
        "extension": str(extension.relative_to(install)),
        "extension_bytes": extension.stat().st_size,
    }
    (install / STAMP).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    for old in cache.glob(f"slim-{version}-{python_tag()}-*"):
        if old != install:  # an earlier configuration of the same version: superseded
            shutil.rmtree(old, ignore_errors=True)
    print(f"slim OpenCV {version} in {install}: cv2 {extension.stat().st_size / 2**20:.1f} MB, "
          f"compiled in {stamp['compile_seconds']:.0f} s with {jobs} jobs")
    return install


# -- what the app needs from cv2 --------------------------------------------------------------

def required_cv2_names(src: Path = ROOT / "src") -> set[str]:
    """Every ``cv2.NAME`` the app's code mentions (functions, classes and constants)."""
    names: set[str] = set()
    for path in src.rglob("*.py"):
        names.update(re.findall(r"\bcv2\.([A-Za-z_][A-Za-z0-9_]*)",
                                path.read_text(encoding="utf-8")))
    names.add("error")  # the exception class cv2 raises: every build must have it
    return names


def missing_names(python_path: Path, names: set[str] | None = None) -> list[str]:
    """Names from ``required_cv2_names`` that the cv2 under ``python_path`` lacks."""
    names = names or required_cv2_names()
    code = ("import json, sys, cv2; "
            "print(json.dumps(sorted(n for n in sys.argv[1:] if not hasattr(cv2, n))))")
    proc = subprocess.run([sys.executable, "-c", code, *sorted(names)], capture_output=True,
                          text=True, check=True, env={**os.environ,
                                                      "PYTHONPATH": str(python_path)})
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="slim_opencv.py", description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2,
                        help="parallel compile jobs (default: all CPUs)")
    parser.add_argument("--print-path", action="store_true",
                        help="print the folder to put on PYTHONPATH (exit 1 if not built)")
    parser.add_argument("--print-key", action="store_true",
                        help="print this configuration's install folder name (a cache key)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the cmake options and the install folder, build nothing")
    parser.add_argument("--fresh", action="store_true",
                        help="delete the kept cmake build folder first (a from-scratch build)")
    args = parser.parse_args(argv)
    if args.print_key:
        print(install_dir().name)
        return 0
    if args.print_path:
        found = find_slim()
        print(python_dir(found) if found else python_dir(install_dir()))
        return 0 if found else 1
    if args.dry_run:
        for option in [*cmake_options(platform_name(), platform.machine()), *python_options()]:
            print(option)
        print(f"install: {install_dir()}" + (" (built)" if find_slim() else " (not built)"))
        return 0
    build(max(1, args.jobs), fresh=args.fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
