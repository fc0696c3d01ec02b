"""How well the head locator finds figurines: recall, false boxes and time (medians).

Composes 12 photos from held-out dev-data faces (never used to train the locator) pasted
at 300/180/120/90 px onto LEGO photos or a synthetic texture, plus 4 code-drawn shelves
with five figurines of different sizes. Needs ../shared/data for the face photos.

    python benchmarks/eval_locator.py [-v]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fmf_desktop.vision import locate_scored  # noqa: E402
from tests.support.photos import (  # noqa: E402
    drawn_shelf,
    found,
    paste_faces,
    photo_background,
    pick_faces,
)

DATA = ROOT.parent / "shared" / "data"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    verbose = "-v" in argv
    faces_dir, lego_dir = DATA / "holoen-faces", DATA / "lego-minifig-photos"
    cases = []
    if faces_dir.is_dir():
        for seed in range(12):
            background = photo_background(lego_dir if seed % 2 == 0 else None, 1600, 1200, seed)
            img, truth = paste_faces(background, pick_faces(faces_dir, 4, seed),
                                     [300, 180, 120, 90], seed)
            cases.append((f"faces-{seed}", img, truth))
    else:
        print(f"{faces_dir} not found: drawn shelves only")
    for seed in range(4):
        img, truth = drawn_shelf(seed=seed)
        cases.append((f"shelf-{seed}", img, truth))
    total = hits = false_boxes = 0
    times = []
    for name, img, truth in cases:
        t = time.perf_counter()
        scored = locate_scored(img)
        times.append(time.perf_counter() - t)
        boxes = [s.box for s in scored]
        ok = [found(t_, boxes) for t_ in truth]
        extra = sum(1 for b in boxes if not any(found(t_, [b]) for t_ in truth))
        total += len(truth)
        hits += sum(ok)
        false_boxes += extra
        if verbose:
            print(f"{name}: found {sum(ok)}/{len(truth)}, {extra} false boxes")
    print(f"{len(cases)} photos: recall {hits}/{total} ({hits / total:.0%}), "
          f"{false_boxes} false boxes ({false_boxes / len(cases):.2f} per photo), "
          f"median locate time {statistics.median(times) * 1000:.0f} ms at 1600x1200")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
