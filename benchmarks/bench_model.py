"""Speed of the bundled model per crop (prints medians; issue 2 floor: <= 30 ms, 2 threads).

Runs the shipped int8 model through ai-edge-litert on real-sized input, with 1 and 2
threads, and reports the median of many invokes and the 2-thread speed-up against the
1-thread baseline measured in the same run.

    python benchmarks/bench_model.py [--runs 50] [--model assets/model.tflite]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from training.latency import median_invoke_ms  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--model", type=Path, default=ROOT / "assets" / "model.tflite")
    args = parser.parse_args()
    size_mb = args.model.stat().st_size / 1e6
    one = median_invoke_ms(args.model, 1, args.runs)
    two = median_invoke_ms(args.model, 2, args.runs)
    print(f"model: {args.model} ({size_mb:.1f} MB)")
    print(f"median per crop, 1 thread : {one:6.1f} ms  (baseline)")
    print(f"median per crop, 2 threads: {two:6.1f} ms  ({one / two:.2f}x the 1-thread speed)")
    print(f"floor: <= 30 ms with 2 threads -> {'met' if two <= 30 else 'NOT met'}")


if __name__ == "__main__":
    main()
