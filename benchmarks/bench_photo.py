"""End-to-end speed of one photo: decode, locate, classify (prints medians).

Budget (issue 3): a 12-megapixel photo in at most 300 ms with one figurine and at most
1 s with five, on a 2-core CPU. The photos are drawn by code (training/make_sample.py)
and written as quality-90 JPEGs to a temporary folder.

    python benchmarks/bench_photo.py [--runs 7] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fmf_desktop.imaging import load_image  # noqa: E402
from fmf_desktop.recognition import PHOTO_MAX_SIDE, Recognizer  # noqa: E402
from fmf_desktop.vision import locate_figurines  # noqa: E402
from training.make_sample import shelf_photo  # noqa: E402

LAYOUTS = {
    "1 figurine": [(0.5, 900)],
    "5 figurines": [(0.1, 500), (0.3, 700), (0.5, 400), (0.7, 600), (0.9, 350)],
}


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    recognizer = Recognizer(num_threads=args.threads)
    print(f"model load: {(time.perf_counter() - t0) * 1000:.0f} ms "
          f"(stand-in: {recognizer.is_stand_in})")
    crop = cv2.resize(cv2.imread(str(ROOT / "assets" / "sample.jpg")), (224, 224))
    recognizer.classify_crops([crop])  # warm-up
    one = []
    for _ in range(max(5, args.runs)):
        t = time.perf_counter()
        recognizer.classify_crops([crop])
        one.append(time.perf_counter() - t)
    print(f"classify one crop: median {_median_ms(one):.1f} ms")

    budgets = {"1 figurine": 300.0, "5 figurines": 1000.0}
    with tempfile.TemporaryDirectory() as tmp:
        for name, heads in LAYOUTS.items():
            img, _ = shelf_photo(4000, 3000, heads, seed=3)
            path = Path(tmp) / f"{name.replace(' ', '_')}.jpg"
            cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR),
                        [cv2.IMWRITE_JPEG_QUALITY, 90])
            decode, locate, classify, total, found = [], [], [], [], 0
            for _ in range(args.runs):
                t = time.perf_counter()
                loaded = load_image(path, max_side=PHOTO_MAX_SIDE)
                t_dec = time.perf_counter()
                boxes = locate_figurines(loaded.rgb)
                t_loc = time.perf_counter()
                result = recognizer.identify(loaded.rgb, boxes=boxes, path=str(path))
                t_end = time.perf_counter()
                decode.append(t_dec - t)
                locate.append(t_loc - t_dec)
                classify.append(t_end - t_loc)
                total.append(t_end - t)
                found = len(result.figurines)
            med = _median_ms(total)
            print(f"12 MP, {name}: median {med:.0f} ms end to end (decode "
                  f"{_median_ms(decode):.0f}, locate {_median_ms(locate):.0f}, classify "
                  f"{_median_ms(classify):.0f}); {found} boxes; "
                  f"budget {budgets[name]:.0f} ms -> ratio {med / budgets[name]:.2f}")
    try:
        import psutil

        rss = psutil.Process().memory_info().rss / 2**20
        print(f"resident memory after the photos: {rss:.0f} MB (budget 400 MB)")
    except ImportError:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
