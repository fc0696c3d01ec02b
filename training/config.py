"""Settings for one training run; every step reads the same object."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def default_work_dir() -> Path:
    """Outside git: the catalog, cached weights, activations and checkpoints live here."""
    return Path(os.environ.get("FMF_TRAIN_WORK", Path.home() / ".cache" / "fmf" / "training"))


# Inside the exported graph, embedding vectors have this length instead of 1 (the app
# normalises the output). See ``model.unit_vectors``.
VECTOR_LENGTH = 8.0


@dataclass
class TrainConfig:
    data_dir: Path = PROJECT_ROOT.parent / "shared" / "data" / "holoen-faces"
    work_dir: Path = field(default_factory=default_work_dir)
    assets_dir: Path = PROJECT_ROOT / "assets"
    weights: str = "nsfwjs"  # imagenet (Keras hub, needs internet) | nsfwjs (offline) | none
    seed: int = 0
    input_size: int = 224  # the crops are 224 px; 299 costs 1.8x the compute for no new detail
    frozen_until: str = "mixed5"  # last block that keeps its ImageNet weights
    train_views: int = 2  # cached activations per training image (view 0 is clean)
    val_fraction: float = 0.15
    epochs: int = 6
    batch_size: int = 32
    learning_rate: float = 3e-4
    label_smoothing: float = 0.1
    # Weight of the frozen-feature logistic regression mixed into the logits (0 = off).
    baseline_weight: float = 0.25
    # The exported model also looks at the mirrored crop and averages the two answers
    # (test-time augmentation inside the graph): measured +0.5 pt top-1 on validation for
    # about 1.8x the inference time. No tuned parameter, so no fit to the split.
    flip_tta: bool = True
    embedding_dim: int = 256
    # The embedding also keeps the frozen features of horizontal stripes of the crop (top,
    # middle, bottom): where things are, not only what. Measured on real LEGO photos (8
    # distinguishable figures, 5 shots): 87.3% -> 91.4% top-1 among taught figures.
    embedding_stripes: int = 3
    # Stripes pool foreground-weighted (cells unlike the crop's border count more; see
    # `train.foreground_weights`). False: the plain average of the models before 2026-11-28.
    foreground_stripes: bool = True
    few_shot_holdout: tuple[str, ...] = ("kronii", "mococo", "sana")
    max_images_per_class: int | None = None  # tests train tiny models on a few images
    # Upper blocks retrained without the few-shot characters (`fewshot` step) for this many
    # epochs, in their own checkpoint folder so the shipped model's is never touched.
    few_shot_epochs: int = 4
    checkpoint_name: str = "checkpoints"

    @property
    def catalog(self) -> Path:
        return self.work_dir / "catalog.sqlite"

    @property
    def cache_dir(self) -> Path:
        return self.work_dir / "cache"

    @property
    def features_dir(self) -> Path:
        return self.work_dir / "features"

    @property
    def checkpoint_dir(self) -> Path:
        return self.work_dir / self.checkpoint_name

    @property
    def report_dir(self) -> Path:
        return self.work_dir / "report"
