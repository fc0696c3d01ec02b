"""Linux bundle: swap OpenCV's private OpenBLAS (~40 MB) for a small forwarding shim.

The opencv-python wheel for Linux links its own OpenBLAS (plus gfortran and quadmath)
for 19 BLAS/LAPACK functions, while NumPy already ships a complete OpenBLAS. The shim in
``linux/opencv_blas_shim.c`` exports those 19 functions under the library name OpenCV
asks for and forwards them to NumPy's copy. It is used only when it provably covers
every symbol OpenCV imports from the original; otherwise the original stays, and the
build says so. ``smoke_test.py`` (lapack check) compares OpenCV's results with NumPy's
in the frozen app.

The slim OpenCV that ``slim_opencv.py`` builds uses no LAPACK/BLAS library at all (its
own solvers instead), so with it there is nothing to replace and this step says so.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "linux" / "opencv_blas_shim.c"


def _dest(entry: tuple) -> PurePosixPath:
    return PurePosixPath(str(entry[0]).replace("\\", "/"))


def _find(binaries: list[tuple], folder: str, prefix: str) -> tuple | None:
    for entry in binaries:
        dest = _dest(entry)
        if dest.parent.name == folder and dest.name.startswith(prefix) and entry[2] != "SYMLINK":
            return entry
    return None


def dynamic_symbols(path: str | Path, *, defined: bool) -> set[str]:
    flag = "--defined-only" if defined else "--undefined-only"
    out = subprocess.run(["nm", "-D", flag, str(path)], capture_output=True, text=True,
                         check=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines() if line.split()}


def compile_shim(output: Path, soname: str, numpy_blas: Path) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["cc", "-O2", "-shared", "-fPIC", "-o", str(output), str(SOURCE),
         f"-Wl,-soname,{soname}", f"-L{numpy_blas.parent}", f"-l:{numpy_blas.name}",
         # NumPy's copy sits in numpy.libs/ next to opencv_python_headless.libs/.
         "-Wl,-rpath,$ORIGIN/../numpy.libs:$ORIGIN"],
        check=True,
    )
    return output


def replace_opencv_blas(binaries: list[tuple], work_dir: Path) -> tuple[list[tuple], str]:
    """``binaries`` with OpenCV's OpenBLAS replaced by the shim, and what was done."""
    original = _find(binaries, "opencv_python_headless.libs", "libopenblas")
    numpy_blas = _find(binaries, "numpy.libs", "libscipy_openblas64_")
    cv2_module = next((e for e in binaries if _dest(e).parent.name == "cv2"
                       and _dest(e).name.startswith("cv2")), None)
    if original is None:
        # The slim OpenCV (slim_opencv.py) is built without LAPACK: nothing to replace.
        return binaries, "kept OpenCV as is (it links no private OpenBLAS)"
    if numpy_blas is None or cv2_module is None:
        return binaries, "kept OpenCV as is (no NumPy OpenBLAS to forward to)"
    if shutil.which("cc") is None or shutil.which("nm") is None:
        return binaries, "kept OpenCV's OpenBLAS (no C compiler or nm here)"
    soname = _dest(original).name
    try:
        shim = compile_shim(work_dir / "opencv-blas-shim" / soname, soname, Path(numpy_blas[1]))
        needed = dynamic_symbols(cv2_module[1], defined=False) & dynamic_symbols(
            original[1], defined=True)
        missing = needed - dynamic_symbols(shim, defined=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        return binaries, f"kept OpenCV's OpenBLAS (shim build failed: {exc})"
    if missing:
        return binaries, f"kept OpenCV's OpenBLAS (shim lacks {sorted(missing)})"
    replaced = [(e[0], str(shim), e[2]) if e is original else e for e in binaries]
    return replaced, f"OpenCV's {soname} -> shim over NumPy's OpenBLAS ({len(needed)} symbols)"
