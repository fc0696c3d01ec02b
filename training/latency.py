"""Median time of one model invoke: used by the export step and benchmarks/bench_model.py."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np


def median_invoke_ms(model_path: Path, threads: int = 2, runs: int = 30) -> float:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(model_path), num_threads=threads)
    runner = interpreter.get_signature_runner()
    detail = runner.get_input_details()["image"]
    info = np.iinfo(detail["dtype"])
    image = np.random.default_rng(0).integers(info.min, info.max, size=detail["shape"])
    image = image.astype(detail["dtype"])
    for _ in range(3):  # warm-up: the first invokes allocate and pack weights
        runner(image=image)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        runner(image=image)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)
