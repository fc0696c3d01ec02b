"""Ingest the face crops into a SQLite catalog and split it by source illustration.

The catalog records, for every file: path, content hash, perceptual hash, label and
source-illustration group (the md5 prefix of the file name). It drops exact duplicates,
flags near duplicates and crops filed under two labels, and assigns each group to train
or validation. Groups joined by a near duplicate go to the same side, so validation
never sees a re-encoded copy of a training image.

The SQL is plain (no SQLite-only features beyond ``INSERT OR REPLACE``) so that a larger
catalog could live on another server.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS images (
    path TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    grp TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    phash TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'ok',   -- ok | duplicate | conflict
    note TEXT NOT NULL DEFAULT '',
    split TEXT NOT NULL DEFAULT ''       -- train | val
);
CREATE INDEX IF NOT EXISTS images_sha ON images (sha256);
CREATE INDEX IF NOT EXISTS images_label ON images (label);
"""


@dataclass(frozen=True)
class Record:
    path: str
    label: str
    group: str
    split: str


def group_of(path: Path) -> str:
    """Source-illustration group: the md5 before the '-<face index>' suffix."""
    return path.stem.rsplit("-", 1)[0]


def perceptual_hash(path: Path) -> str:
    import imagehash
    from PIL import Image

    with Image.open(path) as image:
        return str(imagehash.phash(image.convert("RGB")))


def _hamming_pairs(hashes: list[str], max_distance: int) -> list[tuple[int, int]]:
    """Index pairs whose 64-bit perceptual hashes differ in at most ``max_distance`` bits."""
    values = np.array([int(h, 16) for h in hashes], dtype=np.uint64)
    bits = np.unpackbits(values.view(np.uint8).reshape(-1, 8), axis=1).astype(bool)
    pairs: list[tuple[int, int]] = []
    chunk = 512
    for start in range(0, len(values), chunk):
        block = bits[start : start + chunk]
        distance = (block[:, None, :] != bits[None, :, :]).sum(axis=2)
        rows, cols = np.nonzero(distance <= max_distance)
        pairs.extend((start + r, c) for r, c in zip(rows, cols, strict=True) if start + r < c)
    return pairs


def _union_find(n: int, pairs: list[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        parent[find(a)] = find(b)
    return [find(i) for i in range(n)]


def split_of(key: str, val_fraction: float, seed: int) -> str:
    """Deterministic split of a group key, independent of file order."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return "val" if int.from_bytes(digest[:8], "big") / 2**64 < val_fraction else "train"


def ingest(
    data_dir: Path,
    catalog_path: Path,
    *,
    val_fraction: float = 0.15,
    seed: int = 0,
    near_duplicate_bits: int = 4,
    log=print,
) -> dict[str, int]:
    """Build (or rebuild) the catalog. Returns counts for the report."""
    files = sorted(
        p for p in data_dir.glob("*/*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
    )
    if not files:
        raise FileNotFoundError(f"no images under {data_dir}")
    catalog_path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(catalog_path)
    try:
        db.executescript(SCHEMA)
        known = {row[0]: row[1:] for row in db.execute("SELECT path, sha256, phash FROM images")}
        rows = []
        for i, path in enumerate(files):
            rel = str(path.relative_to(data_dir))
            if rel in known:
                sha, phash = known[rel]
            else:
                sha = hashlib.sha256(path.read_bytes()).hexdigest()
                phash = perceptual_hash(path)
            rows.append([rel, path.parent.name, group_of(path), sha, phash, "ok", "", ""])
            if (i + 1) % 2000 == 0:
                log(f"  hashed {i + 1}/{len(files)}")

        # Exact duplicates: the same bytes under two labels are ambiguous -> conflict
        # (both excluded); under one label, keep the first copy.
        by_sha: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            by_sha.setdefault(row[3], []).append(i)
        for indices in by_sha.values():
            if len(indices) < 2:
                continue
            labels = {rows[i][1] for i in indices}
            if len(labels) > 1:
                for i in indices:
                    rows[i][5] = "conflict"
                    rows[i][6] = "same bytes under labels " + ",".join(sorted(labels))
            else:
                for i in indices[1:]:
                    rows[i][5] = "duplicate"
                    rows[i][6] = "exact copy of " + rows[indices[0]][0]

        # Near duplicates: flag, and tie their groups together for the split. A near
        # duplicate under another label is also a label conflict.
        live = [i for i, row in enumerate(rows) if row[5] == "ok"]
        pairs = _hamming_pairs([rows[i][4] for i in live], near_duplicate_bits)
        near_flagged = 0
        for a, b in pairs:
            ra, rb = rows[live[a]], rows[live[b]]
            if ra[1] != rb[1]:
                for r, other in ((ra, rb), (rb, ra)):
                    r[5] = "conflict"
                    r[6] = f"near duplicate of {other[0]} (label {other[1]})"
            else:
                note = f"near duplicate of {ra[0]}"
                if not rb[6]:
                    rb[6] = note
                    near_flagged += 1

        group_index = {g: k for k, g in enumerate(sorted({row[2] for row in rows}))}
        group_pairs = [
            (group_index[rows[live[a]][2]], group_index[rows[live[b]][2]]) for a, b in pairs
        ]
        roots = _union_find(len(group_index), group_pairs)
        names = sorted(group_index, key=group_index.get)  # type: ignore[arg-type]
        for row in rows:
            root_name = names[roots[group_index[row[2]]]]
            row[7] = split_of(root_name, val_fraction, seed)

        with db:
            db.execute("DELETE FROM images")
            db.executemany("INSERT INTO images VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    finally:
        db.close()

    status = Counter(row[5] for row in rows)
    split = Counter(row[7] for row in rows if row[5] == "ok")
    counts = {
        "files": len(rows),
        "groups": len(group_index),
        "duplicates_dropped": status["duplicate"],
        "label_conflicts_dropped": status["conflict"],
        "near_duplicates_flagged": near_flagged,
        "train": split["train"],
        "val": split["val"],
    }
    log("  " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


def records(catalog_path: Path, split: str | None = None) -> list[Record]:
    """Usable images (status ok), optionally of one split, in a stable order."""
    db = sqlite3.connect(catalog_path)
    try:
        query = "SELECT path, label, grp, split FROM images WHERE status = 'ok'"
        args: tuple = ()
        if split:
            query += " AND split = ?"
            args = (split,)
        return [Record(*row) for row in db.execute(query + " ORDER BY path", args)]
    finally:
        db.close()
