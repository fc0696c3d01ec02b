"""The steps behind ``python -m training``; each reads and writes the work folder."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable

from .config import TrainConfig
from .ingest import Record, ingest, records

Log = Callable[[str], None]


def class_ids(cfg: TrainConfig) -> list[str]:
    """Classes in model output order: the data folders that hold images, sorted."""
    return sorted({r.label for r in records(cfg.catalog)})


def split_records(cfg: TrainConfig, split: str) -> list[Record]:
    items = records(cfg.catalog, split)
    if cfg.max_images_per_class:
        per_class: dict[str, list[Record]] = defaultdict(list)
        for item in items:
            if len(per_class[item.label]) < cfg.max_images_per_class:
                per_class[item.label].append(item)
        items = sorted((r for rs in per_class.values() for r in rs), key=lambda r: r.path)
    return items


def step_ingest(cfg: TrainConfig, log: Log) -> None:
    counts = ingest(
        cfg.data_dir, cfg.catalog, val_fraction=cfg.val_fraction, seed=cfg.seed, log=log
    )
    cfg.report_dir.mkdir(parents=True, exist_ok=True)
    (cfg.report_dir / "ingest.json").write_text(json.dumps(counts, indent=2))


def step_weights(cfg: TrainConfig, log: Log) -> None:
    from .weights import build_inception

    model = build_inception(cfg.input_size, cfg.weights, cfg.cache_dir)
    log(f"  {cfg.weights} weights ready: {len(model.layers)} layers")


def _network(cfg: TrainConfig):
    from .model import build_network

    return build_network(cfg, len(class_ids(cfg)))


def step_features(cfg: TrainConfig, log: Log) -> None:
    from .features import cache_features

    net = _network(cfg)
    cache_features(cfg, net.trunk, net.trunk_shape, split_records(cfg, "val"), "val", 1, log)
    cache_features(
        cfg, net.trunk, net.trunk_shape, split_records(cfg, "train"), "train", cfg.train_views, log
    )


def step_baseline(cfg: TrainConfig, log: Log) -> None:
    from .train import frozen_baseline

    result = frozen_baseline(
        cfg, class_ids(cfg), split_records(cfg, "train"), split_records(cfg, "val"), log
    )
    cfg.report_dir.mkdir(parents=True, exist_ok=True)
    (cfg.report_dir / "baseline.json").write_text(json.dumps(result, indent=2))


def step_train(cfg: TrainConfig, log: Log) -> None:
    from .train import train_upper

    net = _network(cfg)
    train_upper(
        cfg, net, class_ids(cfg), split_records(cfg, "train"), split_records(cfg, "val"), log
    )


def step_convert(cfg: TrainConfig, log: Log) -> None:
    from .convert import convert

    convert(
        cfg,
        _network(cfg),
        class_ids(cfg),
        split_records(cfg, "train"),
        split_records(cfg, "val"),
        log,
    )


def step_evaluate(cfg: TrainConfig, log: Log) -> None:
    from .evaluate import evaluate

    evaluate(
        cfg,
        _network(cfg),
        class_ids(cfg),
        split_records(cfg, "train"),
        split_records(cfg, "val"),
        log,
    )


def step_export(cfg: TrainConfig, log: Log) -> None:
    from .export import export

    export(cfg, class_ids(cfg), log)
