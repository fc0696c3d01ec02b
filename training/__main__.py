"""``python -m training STEP``: every step of the model pipeline, alone or all at once.

Steps, in order: ingest, weights, features, baseline, train, convert, evaluate, export.
``all`` runs them in order; each step resumes or reuses what earlier runs left in the
work folder (``--work``, default ``~/.cache/fmf/training``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .config import TrainConfig

STEPS = ("ingest", "weights", "features", "baseline", "train", "convert", "evaluate",
         "fewshot", "familiarity", "export")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def parse_args(argv: list[str] | None) -> tuple[list[str], TrainConfig]:
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__)
    parser.add_argument("step", choices=(*STEPS, "all"))
    defaults = TrainConfig()
    parser.add_argument("--data", type=Path, default=defaults.data_dir, help="holoen-faces folder")
    parser.add_argument(
        "--work", type=Path, default=defaults.work_dir, help="work folder (outside git)"
    )
    parser.add_argument(
        "--assets", type=Path, default=defaults.assets_dir, help="where export writes"
    )
    parser.add_argument(
        "--weights",
        choices=("nsfwjs", "imagenet", "none"),
        default=defaults.weights,
        help="ImageNet weights: nsfwjs (offline, npm), imagenet (Keras hub download), none",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--views", type=int, default=defaults.train_views)
    parser.add_argument("--input-size", type=int, default=defaults.input_size)
    parser.add_argument(
        "--no-flip-tta",
        dest="flip_tta",
        action="store_false",
        help="export a model that looks at the crop once (not also mirrored): half the time",
    )
    parser.add_argument(
        "--few-shot-epochs", type=int, default=defaults.few_shot_epochs,
        help="epochs for the upper blocks retrained without the few-shot characters",
    )
    parser.add_argument("--max-per-class", type=int, default=None, help="tiny runs for tests")
    args = parser.parse_args(argv)
    cfg = TrainConfig(
        data_dir=args.data,
        work_dir=args.work,
        assets_dir=args.assets,
        weights=args.weights,
        seed=args.seed,
        epochs=args.epochs,
        train_views=args.views,
        input_size=args.input_size,
        max_images_per_class=args.max_per_class,
        flip_tta=args.flip_tta,
        few_shot_epochs=args.few_shot_epochs,
    )
    steps = list(STEPS) if args.step == "all" else [args.step]
    return steps, cfg


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    steps, cfg = parse_args(argv)
    from . import pipeline  # imports TensorFlow: only after argument errors are reported

    run = pipeline.Run(cfg, log)
    for step in steps:
        log(f"== {step} ==")
        started = time.monotonic()
        getattr(pipeline, f"step_{step}")(run)
        log(f"== {step} done in {time.monotonic() - started:.0f}s ==")
    return 0


if __name__ == "__main__":
    sys.exit(main())
