"""What goes into the frozen bundle and what is cut, as plain data and small functions.

``fmf_desktop.spec`` applies this policy; ``tests/test_packaging.py`` checks it without
running PyInstaller. Everything cut here is either never imported by the app (checked by
the tests against ``src/``) or only reachable from a cut Qt plugin; the frozen smoke test
(``packaging/smoke_test.py``) then proves that the app still starts, identifies the
sample, opens its window and decodes a video file.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

APP_DISPLAY_NAME = "Find My Figurine"
APP_EXE_NAME = "FindMyFigurine"  # the windowed executable (and the macOS .app's binary)
CLI_EXE_NAME = "fmf-desktop"  # Windows only: console twin for the command line
BUNDLE_DIR_NAME = "FindMyFigurine"
BUNDLE_ID = "io.github.findmyfigurine.desktop"

#: The app cannot run without these (the spec ships every file of assets/).
REQUIRED_ASSETS = ("model.tflite", "labels.json", "shops.json", "sample.jpg")

#: Pulled in by optional imports of our dependencies, never used by the app.
#: ai_edge_litert's interpreter mentions `tensorflow` inside a function, which alone
#: drags in ~900 MB (TensorFlow, SciPy, h5py, gRPC); training-only tools stay out too.
EXCLUDED_MODULES = [
    "tensorflow", "tensorflow_intel", "tf_keras", "keras", "tensorboard", "ml_dtypes",
    "scipy", "h5py", "grpc", "google.protobuf", "jax", "torch", "imagehash", "pywt",
    "matplotlib", "pandas", "IPython", "jupyter_client", "notebook",
    "tkinter", "_tkinter", "pytest", "_pytest", "pytestqt", "yaml", "psutil",
    "setuptools", "pkg_resources", "pip", "wheel", "distutils", "lib2to3", "pydoc_data",
    "unittest", "doctest", "xmlrpc", "curses", "PIL.ImageTk", "PIL._imagingtk",
    # TLS and OpenSSL's hashes (libssl + libcrypto, 5.4 MB): the app never goes online,
    # and hashlib falls back to CPython's own sha1/sha256 (teach and matching use them).
    "ssl", "_ssl", "_hashlib",
    "training",
    # Qt modules the app does not use (tests/test_packaging.py checks src/ against this).
    "PySide6.QtNetwork", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickControls2",
    "PySide6.QtQuickWidgets", "PySide6.QtQuickTest", "PySide6.QtQmlFeatures",
    "PySide6.QtDesigner", "PySide6.QtHelp", "PySide6.QtUiTools", "PySide6.QtTest",
    "PySide6.QtSql", "PySide6.QtXml", "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets",
    "PySide6.QtPrintSupport", "PySide6.QtConcurrent", "PySide6.QtLabsStyleKit",
    "PySide6.QtSvg", "PySide6.QtSvgWidgets", "PySide6.QtPdf", "PySide6.QtPdfWidgets",
    "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets", "PySide6.QtMultimedia",
    "PySide6.QtBluetooth", "PySide6.QtPositioning", "PySide6.Qt3DCore",
]

#: Which OpenCV the spec freezes (set by build.py): "slim", packaging/slim_opencv.py's
#: build of only core/imgproc/imgcodecs/videoio, or "wheel", opencv-python-headless.
OPENCV_ENV = "FMF_OPENCV"
#: With "slim": the folder holding that build's cv2 package (the spec checks it is used).
OPENCV_DIR_ENV = "FMF_OPENCV_DIR"
OPENCV_FLAVOURS = ("slim", "wheel")

#: Pillow's AVIF codec (5 MB with its libavif). The wheel's OpenCV brings its own libavif,
#: and imaging.py falls back to OpenCV for what Pillow cannot open, so with the wheel
#: Pillow's copy is cut. The slim OpenCV has no AVIF: there Pillow's plugin stays.
#: (The smoke test opens an AVIF photo in the frozen app either way.)
PILLOW_AVIF_MODULES = ["PIL._avif", "PIL.AvifImagePlugin"]


def excluded_modules(opencv: str = "wheel") -> list[str]:
    """EXCLUDED_MODULES plus what the chosen OpenCV makes redundant."""
    if opencv not in OPENCV_FLAVOURS:
        raise ValueError(f"unknown OpenCV flavour {opencv!r}; expected one of {OPENCV_FLAVOURS}")
    return EXCLUDED_MODULES + (PILLOW_AVIF_MODULES if opencv == "wheel" else [])


def check_opencv_source(binaries: Iterable[tuple], opencv: str,
                        slim_dir: str | None) -> str:
    """Where the collected cv2 extension comes from; raises if it is not what was asked.

    Guards against freezing the wheel's 74 MB cv2 (and its FFmpeg) when the slim build
    was requested but PyInstaller found the wheel first.
    """
    sources = []
    for entry in binaries:
        dest = PurePosixPath(_normalise(entry[0]))
        if dest.parts[:1] == ("cv2",) and dest.name.startswith("cv2") and dest.suffix in (
                ".so", ".pyd"):
            sources.append(str(entry[1]))
    if not sources:
        raise ValueError("no cv2 extension module among the collected binaries")
    if opencv == "slim":
        if not slim_dir:
            raise ValueError(f"{OPENCV_ENV}=slim needs {OPENCV_DIR_ENV}")
        root = Path(slim_dir).resolve()
        wrong = [s for s in sources if root not in Path(s).resolve().parents]
        if wrong:
            raise ValueError(f"asked for the slim OpenCV in {root}, but PyInstaller "
                             f"collected {wrong}")
    return sources[0]


#: Excluded although the app imports them: only inside ``try: ... except ImportError``,
#: with a fallback. QtMultimedia (PySide6-Addons, not a dependency) only names cameras
#: in the picker; without it the picker shows OpenCV's camera numbers.
OPTIONAL_EXCLUDED_IMPORTS = ["PySide6.QtMultimedia"]

#: Bundle paths (forward slashes, relative to the bundle's library folder) that are cut.
#: Qt plugins first: the app is a local widgets app (no network, no TLS, no SQL, no
#: embedded-Linux/VNC platforms), and the GTK3 theme plugin alone drags in the whole
#: GTK/cairo/pango stack. The xcb, wayland, offscreen, minimal, Windows and Cocoa
#: platforms and the image-format plugins stay.
EXCLUDED_PATTERNS = [
    # "PySide6/*plugins" matches both PySide6/Qt/plugins (Linux, macOS) and PySide6/plugins
    # (Windows): fnmatch's "*" also matches "/".
    "PySide6/*plugins/egldeviceintegrations/*",
    "PySide6/*plugins/generic/*",
    "PySide6/*plugins/networkinformation/*",
    "PySide6/*plugins/tls/*",
    "PySide6/*plugins/sqldrivers/*",
    "PySide6/*plugins/qmltooling/*",
    "PySide6/*plugins/designer/*",
    "PySide6/*plugins/printsupport/*",
    "PySide6/*plugins/wayland-graphics-integration-server/*",
    "PySide6/*plugins/imageformats/*qpdf*",
    "PySide6/*plugins/platforms/*qeglfs*",
    "PySide6/*plugins/platforms/*qlinuxfb*",
    "PySide6/*plugins/platforms/*qminimalegl*",
    "PySide6/*plugins/platforms/*qvkkhrdisplay*",
    "PySide6/*plugins/platforms/*qvnc*",
    "PySide6/*plugins/platforms/*qdirect2d*",
    "PySide6/*plugins/platformthemes/*qgtk3*",
    # Windows: Mesa's software OpenGL (20 MB), a fallback for OpenGL only; widgets paint
    # with the raster engine.
    "PySide6/opengl32sw.dll",
    # Qt's own UI strings: the app's UI is English only, and translated Qt dialog buttons
    # next to English app text would be worse than consistent English.
    "PySide6/*translations/*",
    # LiteRT's GPU/NPU accelerators: the app runs the CPU interpreter only.
    "ai_edge_litert/libLiteRtWebGpuAccelerator*",
    "ai_edge_litert/*qualcomm*",
    "ai_edge_litert/*openvino*",
    # Type stubs and OpenCV's cascade data are never read at run time.
    "cv2/data/*",
    "*.pyi",
]


def _normalise(dest: str) -> str:
    return str(PurePosixPath(dest.replace("\\", "/")))


def is_excluded(dest: str, patterns: Sequence[str] = EXCLUDED_PATTERNS) -> bool:
    path = _normalise(dest)
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)


def filter_entries(entries: Iterable[tuple], platform: str) -> list[tuple]:
    """PyInstaller TOC entries ``(dest, src, typecode)`` minus the excluded ones."""
    del platform  # same list everywhere; patterns that do not match a platform are inert
    return [entry for entry in entries if not is_excluded(entry[0])]


def is_root_binary(dest: str, typecode: str = "BINARY") -> bool:
    """Binaries loaded by something other than a NEEDED entry: Python or Qt load them.

    PyInstaller marks Python extension modules EXTENSION; the name patterns also catch
    those it lists as plain binaries.
    """
    path = _normalise(dest)
    name = PurePosixPath(path).name
    return (
        typecode == "EXTENSION"
        or ".cpython-" in name
        or name.endswith(".abi3.so")
        or name.endswith(".pyd")
        or "/plugins/" in f"/{path}"
        or name.startswith("libpython")
        or name.startswith("python3")
    )


def prune_unreachable(binaries: list[tuple], get_needed=None) -> list[tuple]:
    """Keep only binaries reachable through NEEDED links from a root binary.

    ``get_needed(src_path) -> iterable of library names`` defaults to the ELF NEEDED
    entries (``readelf``), injected so tests can use a fake graph.
    """
    if get_needed is None:
        get_needed = direct_needed

    by_name: dict[str, list[tuple]] = {}
    for entry in binaries:
        by_name.setdefault(PurePosixPath(_normalise(entry[0])).name, []).append(entry)
    keep: set[int] = set()
    todo = [entry for entry in binaries if is_root_binary(entry[0], entry[2])]
    while todo:
        entry = todo.pop()
        if id(entry) in keep:
            continue
        keep.add(id(entry))
        try:
            needed = list(get_needed(entry[1]))
        except Exception:  # unreadable file: keep it and what it might need is kept anyway
            needed = []
        for name in needed:
            todo.extend(by_name.get(PurePosixPath(str(name)).name, []))
    return [entry for entry in binaries if id(entry) in keep]


def direct_needed(path: str) -> list[str]:
    """An ELF file's own NEEDED entries (``ldd`` would add its dependencies' too, and
    resolve them against the build machine rather than the bundle)."""
    import re
    import shutil
    import subprocess

    if shutil.which("readelf") is None:
        from PyInstaller.depend.bindepend import get_imports

        return [name for name, _path in get_imports(path)]
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True,
                         check=False).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def drop_dangling_symlinks(binaries: list[tuple], datas: list[tuple]) -> tuple[list, list]:
    """Remove SYMLINK entries whose target was cut (PyInstaller adds them up front)."""
    kept = {_normalise(e[0]) for e in (*binaries, *datas) if e[2] != "SYMLINK"}

    def alive(entry: tuple) -> bool:
        if entry[2] != "SYMLINK":
            return True
        link = PurePosixPath(_normalise(entry[0]))
        return _normalise(str(link.parent / _normalise(entry[1]))) in kept

    return [e for e in binaries if alive(e)], [e for e in datas if alive(e)]


#: Linux: libraries shipped with their symbols, stripped after PyInstaller (libpython
#: 23 -> 6 MB, LiteRT 18 -> 14 MB). Not PyInstaller's strip=True: it strips everything,
#: and stripping auditwheel-patched libraries (NumPy's OpenBLAS) makes them unloadable
#: ("ELF load command address/offset not page-aligned").
STRIP_PATTERNS = ["libpython3*.so*", "ai_edge_litert/*.so"]


def strip_candidates(lib_dir: Path) -> list[Path]:
    """Real files (not symlinks) in ``lib_dir`` that match STRIP_PATTERNS."""
    found = []
    for path in sorted(lib_dir.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        rel = path.relative_to(lib_dir).as_posix()
        if any(fnmatch.fnmatchcase(rel, pattern) for pattern in STRIP_PATTERNS):
            found.append(path)
    return found


def write_windows_version_file(version: str, build_dir: Path) -> str:
    """A VSVersionInfo file so Explorer's Properties show the product and version."""
    parts = [int(p) if p.isdigit() else 0 for p in version.split(".")[:4]]
    parts += [0] * (4 - len(parts))
    numbers = ", ".join(str(p) for p in parts)
    text = f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers=({numbers}), prodvers=({numbers})),
  kids=[
    StringFileInfo([StringTable('040904B0', [
      StringStruct('ProductName', '{APP_DISPLAY_NAME}'),
      StringStruct('FileDescription', '{APP_DISPLAY_NAME}'),
      StringStruct('FileVersion', '{version}'),
      StringStruct('ProductVersion', '{version}'),
      StringStruct('OriginalFilename', '{APP_EXE_NAME}.exe')])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / "windows-version-info.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)
