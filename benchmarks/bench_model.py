"""Speed of the bundled model per crop (prints medians; issue 2 floor: <= 30 ms, 2 threads).

Runs the shipped int8 model through ai-edge-litert on real-sized input, with 1 and 2
threads, and reports the median of many invokes and the 2-thread speed-up against the
1-thread baseline measured in the same run.

    python benchmarks/bench_model.py [--runs 50] [--model assets/model.tflite]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

ROOT = Path(__file__).resolve().parents[1]


def median_ms(model: Path, threads: int, runs: int) -> float:
    interpreter = Interpreter(model_path=str(model), num_threads=threads)
    runner = interpreter.get_signature_runner()
    detail = runner.get_input_details()["image"]
    rng = np.random.default_rng(0)
    info = np.iinfo(detail["dtype"])
    image = rng.integers(info.min, info.max, size=detail["shape"]).astype(detail["dtype"])
    for _ in range(3):  # warm-up: first invokes allocate and pack weights
        runner(image=image)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        runner(image=image)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--model", type=Path, default=ROOT / "assets" / "model.tflite")
    args = parser.parse_args()
    size_mb = args.model.stat().st_size / 1e6
    one = median_ms(args.model, 1, args.runs)
    two = median_ms(args.model, 2, args.runs)
    print(f"model: {args.model} ({size_mb:.1f} MB)")
    print(f"median per crop, 1 thread : {one:6.1f} ms  (baseline)")
    print(f"median per crop, 2 threads: {two:6.1f} ms  ({one / two:.2f}x the 1-thread speed)")
    print(f"floor: <= 30 ms with 2 threads -> {'met' if two <= 30 else 'NOT met'}")


if __name__ == "__main__":
    main()
