"""The steps behind ``python -m training``; each reads and writes the work folder.

A ``Run`` carries what the steps share within one process (the network, the class list,
the splits), so ``all`` builds InceptionV3 once instead of once per step.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from functools import cached_property

from .config import TrainConfig
from .ingest import Record, ingest, records

Log = Callable[[str], None]


class Run:
    def __init__(self, cfg: TrainConfig, log: Log):
        self.cfg = cfg
        self.log = log

    @property
    def classes(self) -> list[str]:
        """Classes in model output order: the data folders that hold images, sorted."""
        return sorted({r.label for r in records(self.cfg.catalog)})

    def split(self, name: str) -> list[Record]:
        items = records(self.cfg.catalog, name)
        limit = self.cfg.max_images_per_class
        if limit:
            per_class: dict[str, list[Record]] = defaultdict(list)
            for item in items:
                if len(per_class[item.label]) < limit:
                    per_class[item.label].append(item)
            items = sorted((r for rs in per_class.values() for r in rs), key=lambda r: r.path)
        return items

    @cached_property
    def network(self):
        from .model import build_network

        return build_network(self.cfg, len(self.classes))

    def write_report(self, name: str, data: dict) -> None:
        self.cfg.report_dir.mkdir(parents=True, exist_ok=True)
        (self.cfg.report_dir / f"{name}.json").write_text(json.dumps(data, indent=2))


def step_ingest(run: Run) -> None:
    cfg = run.cfg
    counts = ingest(
        cfg.data_dir, cfg.catalog, val_fraction=cfg.val_fraction, seed=cfg.seed, log=run.log
    )
    run.write_report("ingest", counts)


def step_weights(run: Run) -> None:
    run.log(f"  {run.cfg.weights} weights ready: {len(run.network.trunk.layers)} trunk layers")


def step_features(run: Run) -> None:
    from .features import cache_features

    net, cfg = run.network, run.cfg
    cache_features(cfg, net.trunk, net.trunk_shape, run.split("val"), "val", 1, run.log)
    cache_features(
        cfg, net.trunk, net.trunk_shape, run.split("train"), "train", cfg.train_views, run.log
    )


def step_baseline(run: Run) -> None:
    from .train import frozen_baseline

    result = frozen_baseline(run.cfg, run.classes, run.split("train"), run.split("val"), run.log)
    run.write_report("baseline", result)


def step_train(run: Run) -> None:
    from .train import train_upper

    train_upper(
        run.cfg, run.network, run.classes, run.split("train"), run.split("val"), run.log
    )


def step_convert(run: Run) -> None:
    from .convert import convert

    convert(run.cfg, run.network, run.classes, run.split("train"), run.split("val"), run.log)


def step_evaluate(run: Run) -> None:
    from .evaluate import evaluate

    evaluate(run.cfg, run.network, run.classes, run.split("train"), run.split("val"), run.log)


def step_fewshot(run: Run) -> None:
    from .fewshot import few_shot_through_upper_blocks

    few_shot_through_upper_blocks(
        run.cfg, run.classes, run.split("train"), run.split("val"), run.log
    )


def step_familiarity(run: Run) -> None:
    from .familiarity import build_gate

    build_gate(run.cfg, run.classes, run.split("val"), run.log)


def step_export(run: Run) -> None:
    from .export import export

    export(run.cfg, run.classes, run.log)
