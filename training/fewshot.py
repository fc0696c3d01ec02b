"""Few-shot check through the shipped recipe: upper blocks retrained without 3 characters.

``evaluate`` has a quick few-shot check on a frozen-feature projection. This step is the
faithful one: ``mixed6``..``mixed10`` and the head are retrained exactly as for the shipped
model but on the other 17 characters only (``few_shot_epochs`` epochs, in a checkpoint
folder of their own, resumable), then 5 validation images of each held-out character are
enrolled through the resulting embedding (pooled frozen features + trained projection,
as the app's model outputs it) and the rest classified by nearest prototype.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from .config import TrainConfig
from .evaluate import (
    FEW_SHOT_K,
    few_shot_classes,
    held_out_maps,
    prototype_top1,
    recipe_embedding,
)
from .ingest import Record
from .train import evaluate_logits, pooled, train_upper


def few_shot_through_upper_blocks(
    cfg: TrainConfig, classes: list[str], train: list[Record], val: list[Record], log
) -> dict:
    from .model import build_network

    split = few_shot_classes(cfg, classes)
    if split is None:
        result: dict = {"skipped": "not enough classes"}
    else:
        holdout, seen = split
        train_rows = np.flatnonzero([r.label in seen for r in train])
        val_rows = np.flatnonzero([r.label in seen for r in val])
        sub = dataclasses.replace(
            cfg, checkpoint_name="checkpoints_fewshot", epochs=cfg.few_shot_epochs
        )
        net = build_network(sub, len(seen))
        history = train_upper(
            sub, net, seen, train, val, log, train_rows=train_rows, val_rows=val_rows
        )
        features, labels = held_out_maps(cfg, val, holdout)
        _, trained = evaluate_logits(net.upper, features)
        embeddings = recipe_embedding(cfg, pooled(features), features, trained)
        result = {
            "held_out": holdout,
            "k": FEW_SHOT_K,
            "epochs": len(history),
            "seen_val_top1": history[-1]["val_top1"] if history else None,
            **prototype_top1(embeddings, labels, cfg.seed),
        }
        if "top1_mean" in result:
            log(
                f"  few-shot through upper blocks retrained without {', '.join(holdout)} "
                f"({len(history)} epochs): {FEW_SHOT_K}-shot top-1 "
                f"{result['top1_mean']:.3f} +- {result['top1_std']:.3f}"
            )
    cfg.report_dir.mkdir(parents=True, exist_ok=True)
    (cfg.report_dir / "few_shot_upper.json").write_text(json.dumps(result, indent=2))
    return result
