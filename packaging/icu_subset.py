"""Linux bundle: a smaller ICU data library for Qt (30.6 MB -> ~19 MB).

The PySide6 wheel's Qt links ICU, whose data library carries every locale's display names
for languages, regions, currencies and units, number spell-out rules and
transliterators. Qt uses ICU for collation (QCollator, sorting), text codecs and case
mapping, never for those names: they come from Qt's own CLDR tables. This module
rebuilds ``libicudata.so.NN`` without them, keeping collation, codecs, break rules, time
zone names and the locale data itself.

Needs ``icupkg`` (Debian/Ubuntu package icu-devtools), ``objcopy`` and a C compiler; when
any is missing, or any step fails, the original library stays and the build says so.
``smoke_test.py`` (qt-text check) compares collation, codecs, case mapping and time zone
names in the frozen app with the unfrozen app's full ICU.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath

#: ICU package folders dropped: display names and rules Qt never asks ICU for.
DROPPED_TREES = ("lang", "region", "curr", "unit", "rbnf", "translit")


def _dest(entry: tuple) -> PurePosixPath:
    return PurePosixPath(str(entry[0]).replace("\\", "/"))


def extract_data(library: Path, out: Path) -> str:
    """Write the ICU common data blob of ``library`` to ``out``; returns its symbol name."""
    symbols = subprocess.run(["nm", "-D", "--defined-only", "-S", str(library)],
                             capture_output=True, text=True, check=True).stdout
    match = re.search(r"^([0-9a-f]+) ([0-9a-f]+) R (icudt\d+_dat)$", symbols, re.M)
    if match is None:
        raise ValueError(f"no icudtNN_dat symbol in {library.name}")
    address, size, name = int(match[1], 16), int(match[2], 16), match[3]
    sections = subprocess.run(["readelf", "-SW", str(library)], capture_output=True,
                              text=True, check=True).stdout
    for line in sections.splitlines():
        fields = line.replace("[ ", "[").split()
        if len(fields) > 5 and fields[1] == ".rodata":
            section_address, section_offset = int(fields[3], 16), int(fields[4], 16)
            break
    else:
        raise ValueError(f"no .rodata section in {library.name}")
    with library.open("rb") as src:
        src.seek(section_offset + address - section_address)
        out.write_bytes(src.read(size))
    return name


def build_subset(library: Path, work: Path) -> tuple[Path, int]:
    """A copy of ``library`` without DROPPED_TREES; returns (path, items removed)."""
    work.mkdir(parents=True, exist_ok=True)
    extracted = work / "extracted.dat"
    symbol = extract_data(library, extracted)
    package = symbol.removesuffix("_dat") + "l"  # e.g. icudt73l (little-endian)
    # icupkg insists that a package file is named after the package it holds.
    (work / "full").mkdir(exist_ok=True)
    full = work / "full" / f"{package}.dat"
    extracted.replace(full)
    listing = subprocess.run(["icupkg", "-l", str(full)], capture_output=True, text=True,
                             check=True).stdout.split()
    dropped = [item for item in listing if item.split("/")[0] in DROPPED_TREES]
    (work / "remove.txt").write_text("\n".join(dropped) + "\n")
    out_dir = work / "subset"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir()
    subset = out_dir / f"{package}.dat"
    subprocess.run(["icupkg", "-r", str(work / "remove.txt"), str(full), str(subset)],
                   check=True, capture_output=True)
    assembly = work / "icudata.S"
    assembly.write_text(
        "    .section .rodata\n"
        f"    .globl {symbol}\n"
        f"    .type {symbol}, @object\n"
        "    .balign 16\n"
        f"{symbol}:\n"
        f'    .incbin "{subset}"\n'
        f"    .size {symbol}, . - {symbol}\n"
        '    .section .note.GNU-stack,"",@progbits\n'
    )
    result = work / library.name
    subprocess.run(["cc", "-shared", "-o", str(result), str(assembly),
                    f"-Wl,-soname,{library.name}"], check=True)
    return result, len(dropped)


def replace_icu_data(binaries: list[tuple], work_dir: Path) -> tuple[list[tuple], str]:
    """``binaries`` with Qt's ICU data library swapped for the subset, and what was done."""
    original = next((e for e in binaries if _dest(e).name.startswith("libicudata.so")
                     and e[2] != "SYMLINK"), None)
    if original is None:
        return binaries, "no ICU data library in the bundle"
    missing = [tool for tool in ("icupkg", "nm", "readelf", "cc") if shutil.which(tool) is None]
    if missing:
        return binaries, f"kept the full ICU data ({', '.join(missing)} not found)"
    try:
        subset, removed = build_subset(Path(original[1]), work_dir / "icu-subset")
    except (OSError, ValueError, subprocess.CalledProcessError) as exc:
        return binaries, f"kept the full ICU data (subset failed: {exc})"
    replaced = [(e[0], str(subset), e[2]) if e is original else e for e in binaries]
    before = Path(original[1]).stat().st_size / 1048576
    after = subset.stat().st_size / 1048576
    return replaced, f"ICU data {before:.1f} -> {after:.1f} MB ({removed} items dropped)"
