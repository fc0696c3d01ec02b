"""Few-shot teaching on real photos, open-set "not sure", enrol time, matcher overhead.

    nice -n 10 .venv/bin/python benchmarks/bench_fewshot.py [--draws 20] [--data DIR]

Uses ../shared/data/lego-minifig-photos (10 figures, 9-14 photos each; already cropped to
the figure, so each photo is one whole-image crop). Prints:

1. closed set: enrol k = 1, 3, 5 photos per figure, classify the others; top-1 over random
   draws, both among taught figures only and merged with the bundled model's classes;
2. open set: teach 7 figures (5 shots), hold 3 out; the similarity threshold is chosen on
   one half of the draws and judged on the other half (2-fold cross-validation over
   draws), for each similarity mode (nearest example / prototype / blend); reports the
   share of untaught photos answered "unsure", of taught photos accepted (and accepted
   with the right name), and the fitted calibration (center, scale) for matching.py;
3. time to enrol one photo (decode + embed + thumbnail + SQLite commit), medians;
4. recognition time with 1,000 taught figures vs none (ratio of medians).

The data has a defect that caps any method: every photo of ``harry-potter_0001`` is a
byte-identical copy of one in ``harry-potter_0002`` (13 of 13), so those two "figures"
cannot be told apart. Each measure is therefore printed twice: on all photos as given, and
on the distinguishable figures, with photos filed under two figures dropped (the same rule
training's ingest applies to crops filed under two labels).

Numbers with the random-weights stand-in model are meaningless; the script says so.
Embeddings are cached in benchmarks/out/ (git-ignored) per model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from fmf_desktop.imaging import load_image  # noqa: E402
from fmf_desktop.library import (  # noqa: E402
    EmbeddingTable,
    Library,
    TaughtFigure,
    decode_thumbnail,
    make_thumbnail,
)
from fmf_desktop.matching import (  # noqa: E402
    LibraryMatcher,
    PrototypeIndex,
    SimilarityCalibration,
    model_key,
)
from fmf_desktop.recognition import (  # noqa: E402
    Recognizer,
    decide,
    merge_candidates,
    whole_image_crop,
)
from fmf_desktop.results import Box  # noqa: E402
from fmf_desktop.teaching import (  # noqa: E402
    add_missing_views,
    crop_for_box,
    example_from_crop,
    open_matcher,
    teach_crop,
    view_embeddings,
)

DATA = ROOT.parent / "shared" / "data" / "lego-minifig-photos"
OUT = ROOT / "benchmarks" / "out"
MODES = {"nearest": 1.0, "blend": 0.5, "prototype": 0.0}
SCALE_OVERRIDE = 0.0  # --scale: a fixed logistic scale instead of the fitted one


def embed_all(rec: Recognizer, data: Path):
    """(figure names, labels (N,), embeddings (N, D), extra views (N, V, D), probabilities
    (N, C)), cached. Views come from each photo's thumbnail, as the app makes them."""
    # Probabilities depend on the labels' calibration (temperature) too.
    key = model_key(rec.model_path) + model_key(rec.labels_path)[:8]
    cache = OUT / f"fewshot-embeddings-{key}-v3.npz"
    folders = sorted(p for p in data.iterdir() if p.is_dir())
    names = [p.name for p in folders]
    if cache.is_file():
        z = np.load(cache)
        if list(z["names"]) == names:
            return names, z["labels"], z["emb"], z["views"], z["probs"]
    labels, embs, views, probs = [], [], [], []
    for photo in photo_paths(data):
        rgb = load_image(photo, max_side=1024).rgb
        (p, e), = rec.classify_crops([whole_image_crop(rgb, rec.input_size)])
        # The view from the stored thumbnail (JPEG) of the taught crop, as the app does.
        thumbnail = make_thumbnail(crop_for_box(rgb, Box(0, 0, rgb.shape[1], rgb.shape[0]),
                                                whole_image=True))
        labels.append(names.index(photo.parent.name))
        embs.append(e)
        views.append(view_embeddings(rec, decode_thumbnail(thumbnail)))
        probs.append(p)
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(cache, names=np.array(names), labels=np.array(labels), emb=np.array(embs),
             views=np.array(views), probs=np.array(probs))
    return names, np.array(labels), np.array(embs), np.array(views), np.array(probs)


def photo_paths(data: Path) -> list[Path]:
    """Every photo, figure folder by figure folder (the order of the embedding cache)."""
    folders = sorted(p for p in data.iterdir() if p.is_dir())
    return [photo for folder in folders for photo in sorted(folder.iterdir())]


def filed_under_two_figures(paths: list[Path], labels: np.ndarray) -> np.ndarray:
    """Mask of photos whose exact bytes also sit in another figure's folder."""
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
    figures_of: dict[str, set[int]] = {}
    for digest, label in zip(digests, labels, strict=True):
        figures_of.setdefault(digest, set()).add(int(label))
    return np.array([len(figures_of[d]) > 1 for d in digests])


def qv(emb: np.ndarray, idx) -> np.ndarray:
    """Query embeddings: with (N, 1 + V, D) photos and views, queries use the photo only."""
    return emb[idx] if emb.ndim == 2 else emb[idx, 0]


def build_index(names, labels, emb, enrol_idx, cal) -> PrototypeIndex:
    taught = sorted({int(labels[i]) for i in enrol_idx})
    pos = {f: j for j, f in enumerate(taught)}
    figures = tuple(TaughtFigure(f + 1, names[f], "", "") for f in taught)
    owner = np.array([pos[int(labels[i])] for i in enrol_idx], np.int32)
    example = np.asarray(enrol_idx, np.int64)
    vectors = emb[enrol_idx]
    if vectors.ndim == 3:  # each enrolled photo brings its extra views, as in the app
        owner = np.repeat(owner, vectors.shape[1])
        example = np.repeat(example, vectors.shape[1])
        vectors = vectors.reshape(-1, vectors.shape[-1])
    return PrototypeIndex(EmbeddingTable(figures, owner, vectors, example), cal)


def merged_top(rec, index, emb, probs, q):
    """(top-5, taught matches) for query photo ``q`` as `identify` merges them: the bundled
    classes step back for the user's figures on an unfamiliar crop."""
    taught = index.match(qv(emb, q))
    bundled = rec.bundled_scores(probs[q], qv(emb, q), taught, rec.unsure_threshold, index)
    return merge_candidates(rec.top_candidates(bundled), taught), taught


def open_split(rng, labels, n_held, k):
    """Hold ``n_held`` random figures out; enrol ``k`` photos of each other one. Returns
    (taught figures, enrol rows, query rows)."""
    figs = np.unique(labels)
    held = set(rng.choice(figs, size=n_held, replace=False).tolist())
    taught = set(figs.tolist()) - held
    enrol, query = draw_split(rng, labels, k, taught)
    return taught, enrol, query


def draw_split(rng, labels, k, taught_figures):
    enrol, query = [], []
    for f in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == f))
        if f in taught_figures:
            enrol.extend(idx[:k])
            query.extend(idx[k:])
        else:
            query.extend(idx)
    return np.array(enrol), np.array(query)


def closed_set(rec, names, labels, emb, probs, draws, seed):
    print(f"\n== Closed set: enrol k photos of each of the {len(np.unique(labels))} figures, "
          "classify the rest ==")
    all_figs = set(np.unique(labels).tolist())
    results = {}
    for mode, weight in MODES.items():
        cal = SimilarityCalibration(nearest_weight=weight)
        for k in (1, 3, 5):
            rng = np.random.default_rng(seed)
            acc_taught, acc_merged = [], []
            for _ in range(draws):
                enrol, query = draw_split(rng, labels, k, all_figs)
                index = build_index(names, labels, emb, enrol, cal)
                sims = index.similarities(qv(emb, query))
                pred = np.array([names.index(index.figures[j].name) for j in sims.argmax(1)])
                acc_taught.append(float(np.mean(pred == labels[query])))
                # Merged with the bundled model's classes (what `identify` returns).
                hits = sum(merged_top(rec, index, emb, probs, q)[0][0].id == names[labels[q]]
                           for q in query)
                acc_merged.append(hits / len(query))
            results[(mode, k)] = (acc_taught, acc_merged)
            print(f"  {mode:9s} k={k}: top-1 {100 * np.mean(acc_taught):5.1f}% "
                  f"(sd {100 * np.std(acc_taught):4.1f}, min {100 * np.min(acc_taught):5.1f})"
                  f"   merged with model classes {100 * np.mean(acc_merged):5.1f}%")
    return results


def fit_logistic(sims: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """(center, scale) of P(positive | sim) = sigmoid((sim - center) / scale), class-balanced."""
    x = sims.astype(np.float64)
    y = positive.astype(np.float64)
    w = np.where(y > 0, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1))
    a, b = 10.0, -10.0 * float(np.median(x))  # logit = a*x + b
    for _ in range(50):  # Newton steps with a little ridge for stability
        p = 1 / (1 + np.exp(-(a * x + b)))
        g = np.array([np.sum(w * (p - y) * x), np.sum(w * (p - y))])
        r = w * p * (1 - p)
        hess = np.array([[np.sum(r * x * x), np.sum(r * x)], [np.sum(r * x), np.sum(r)]])
        step = np.linalg.solve(hess + 1e-6 * np.eye(2), g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-9:
            break
    a = max(a, 1e-3)
    return -b / a, 1 / a


def open_set_scores(names, labels, emb, draws, seed, weight, n_held=3, k=5):
    """Per draw: best taught similarity + correctness for taught and untaught queries."""
    rng = np.random.default_rng(seed)
    out = []
    cal = SimilarityCalibration(nearest_weight=weight)
    for _ in range(draws):
        taught, enrol, query = open_split(rng, labels, n_held, k)
        index = build_index(names, labels, emb, enrol, cal)
        sims = index.similarities(qv(emb, query))
        best = sims.max(1)
        pred = np.array([names.index(index.figures[j].name) for j in sims.argmax(1)])
        is_taught = np.array([int(labels[q]) in taught for q in query])
        correct = pred == labels[query]
        out.append((best, is_taught, correct, query))
    return out


def choose_threshold(rows) -> float:
    """Similarity threshold maximising min(accept rate of taught, reject rate of untaught)."""
    best = np.concatenate([r[0] for r in rows])
    taught = np.concatenate([r[1] for r in rows])
    cands = np.unique(best)
    scores = [min(np.mean(best[taught] >= t), np.mean(best[~taught] < t)) for t in cands]
    i = int(np.argmax(scores))
    # Midway to the next candidate, so the threshold is not glued to one training photo.
    return float((cands[i] + cands[i - 1]) / 2) if i > 0 else float(cands[i])


def rates(rows, thr):
    best = np.concatenate([r[0] for r in rows])
    taught = np.concatenate([r[1] for r in rows])
    correct = np.concatenate([r[2] for r in rows])
    return (float(np.mean(best[~taught] < thr)), float(np.mean(best[taught] >= thr)),
            float(np.mean((best >= thr) & correct & taught) / np.mean(taught)))


def open_set(rec, names, labels, emb, probs, draws, seed):
    n_figures = len(np.unique(labels))
    print(f"\n== Open set: teach {n_figures - 3} figures (5 shots), hold 3 out; threshold by "
          "2-fold CV over draws ==")
    summary = {}
    for mode, weight in MODES.items():
        rows = open_set_scores(names, labels, emb, draws, seed, weight)
        half = len(rows) // 2
        folds = [(rows[:half], rows[half:]), (rows[half:], rows[:half])]
        unsure, accepted, right, thresholds = [], [], [], []
        for fit, test in folds:
            thr = choose_threshold(fit)
            u, a, r = rates(test, thr)
            unsure.append(u)
            accepted.append(a)
            right.append(r)
            thresholds.append(thr)
        thr_all = choose_threshold(rows)
        best = np.concatenate([r[0] for r in rows])
        positive = np.concatenate([r[1] & r[2] for r in rows])
        _, scale = fit_logistic(best, positive)
        if SCALE_OVERRIDE:
            scale = SCALE_OVERRIDE
        t = rec.unsure_threshold
        center = thr_all - scale * math.log(t / (1 - t))
        summary[mode] = dict(unsure=float(np.mean(unsure)), accepted=float(np.mean(accepted)),
                             accepted_right=float(np.mean(right)),
                             thresholds=thresholds, threshold_all=thr_all,
                             center=center, scale=scale)
        print(f"  {mode:9s}: untaught -> unsure {100 * np.mean(unsure):5.1f}%   "
              f"taught accepted {100 * np.mean(accepted):5.1f}% "
              f"(with the right name {100 * np.mean(right):5.1f}%)   "
              f"cosine threshold per fold {', '.join(f'{x:.3f}' for x in thresholds)}")
        print(f"  {'':9s}  fitted on all draws: cosine >= {thr_all:.3f}; calibration "
              f"center={center:.3f} scale={scale:.4f} (score {t:.2f} at the threshold)")
    # End to end, as `identify` decides: merged with the model's classes and its threshold.
    mode = max(MODES, key=lambda m: min(summary[m]["unsure"], summary[m]["accepted"]))
    s = summary[mode]
    summary["by_library"] = threshold_by_library(rec, names, labels, emb, draws, seed)
    # What the app ships (matching.py defaults), unless --scale asks for the fitted one.
    cal = (SimilarityCalibration(center=s["center"], scale=s["scale"],
                                 nearest_weight=MODES[mode])
           if SCALE_OVERRIDE else SimilarityCalibration())
    print(f"  shipped calibration: center={cal.center:.3f} - {cal.few_examples_slack:.3f} / "
          f"photos + {cal.many_figures_rise:.4f} ln figures (up to {cal.most_figures}), "
          f"scale={cal.scale:.3f}, nearest_weight={cal.nearest_weight}, "
          f"within-figure shrinkage {cal.within_figure_shrinkage}")
    rng = np.random.default_rng(seed + 1)
    unsure_n = unsure_d = acc_n = acc_d = 0
    for _ in range(draws):
        taught, enrol, query = open_split(rng, labels, 3, 5)
        index = build_index(names, labels, emb, enrol, cal)
        for q in query:
            top, _ = merged_top(rec, index, emb, probs, q)
            known = decide(top, rec.unsure_threshold) == "known"
            if int(labels[q]) in taught:
                acc_d += 1
                acc_n += known and top[0].id == names[labels[q]]
            else:
                unsure_d += 1
                unsure_n += not known
    print(f"  end to end (merged with the model's {len(rec.classes)} classes, "
          f"threshold {rec.unsure_threshold:.2f}, fresh draws): untaught -> unsure "
          f"{100 * unsure_n / unsure_d:5.1f}%   taught -> right name & known "
          f"{100 * acc_n / acc_d:5.1f}%")
    summary["end_to_end"] = dict(mode=mode, unsure=unsure_n / unsure_d,
                                 accepted_right=acc_n / acc_d)
    return summary


def threshold_by_library(rec, names, labels, emb, draws, seed, shots=(1, 2, 3, 4, 5, 6)):
    """The open-set threshold for libraries of F figures taught from k photos each
    (k = 1..6; F from 2 up to all but two figures), and the fit
    ``threshold = a - b / k + c * ln F`` that matching.py's calibration uses (``center``,
    ``few_examples_slack``, ``many_figures_rise``), with the blend the app ships."""
    weight = SimilarityCalibration().nearest_weight
    n_figures = len(np.unique(labels))
    fewest_photos = np.unique(labels, return_counts=True)[1].min()
    grid = {}
    for k in shots:
        if fewest_photos <= k:  # every figure needs a photo left to ask about
            break
        for f in range(2, n_figures - 1):
            rows = open_set_scores(names, labels, emb, draws, seed, weight,
                                   n_held=n_figures - f, k=k)
            grid[(k, f)] = (choose_threshold(rows), rows)
    ks = np.array([k for k, _ in grid], np.float64)
    fs = np.array([f for _, f in grid], np.float64)
    thresholds = np.array([thr for thr, _ in grid.values()])
    design = np.stack([np.ones_like(ks), -1.0 / ks, np.log(fs)], axis=1)
    (a, b, c), *_ = np.linalg.lstsq(design, thresholds, rcond=None)
    fit = a - b / ks + c * np.log(fs)
    scale = SimilarityCalibration().scale
    t = rec.unsure_threshold
    center = a - scale * math.log(t / (1 - t))
    print(f"  threshold by photos per figure (k) and figures taught (F), blend; fit residual "
          f"max {np.abs(fit - thresholds).max():.4f}:")
    for k in sorted(set(ks.astype(int))):
        print(f"    k={k}: " + "  ".join(
            f"F={f} {grid[(k, f)][0]:.3f}" for kk, f in grid if kk == k))
    u5, acc5 = zip(*[rates(rows, a - b / k + c * math.log(f))[:2]
                     for (k, f), (_, rows) in grid.items() if k == max(ks)], strict=True)
    print(f"    with the fitted thresholds, k={int(max(ks))}: untaught -> unsure "
          f"{100 * np.mean(u5):5.1f}%, taught accepted {100 * np.mean(acc5):5.1f}% "
          "(mean over F; not cross-validated)")
    print(f"  fitted: threshold = {a:.4f} - {b:.4f} / k + {c:.4f} ln F  ->  calibration "
          f"center={center:.3f} few_examples_slack={b:.3f} many_figures_rise={c:.4f} "
          f"(up to F={int(fs.max())}) at scale {scale}")
    return dict(grid=[[int(k), int(f), float(thr)] for (k, f), (thr, _) in grid.items()],
                center=float(center), few_examples_slack=float(b),
                many_figures_rise=float(c), most_figures=int(fs.max()))


def app_photos(data: Path, keep: np.ndarray):
    """(paths, figure names, labels, decoded photos) of the kept photos, for ``app_path``."""
    paths = [p for p, kept in zip(photo_paths(data), keep, strict=True) if kept]
    names = sorted({p.parent.name for p in paths})
    labels = np.array([names.index(p.parent.name) for p in paths])
    return paths, names, labels, [load_image(p, max_side=1024).rgb for p in paths]


def app_path(rec, key: str, photos, crops: dict, draws: int, seed: int, whole: bool,
             n_held: int = 3, k: int = 5) -> dict:
    """Through the app's own code: teach k photos of each taught figure with
    ``teach_crop`` into a real library (located box, or with ``whole`` the whole photo,
    as "Photos show only the figure" does), then ``identify`` every other photo as a
    dropped photo is (boxes located, with the second look). A photo counts as named right
    if one of its figurines is the right taught figure, "known"; an untaught figure's
    photo as "not sure" if none of its figurines is "known". ``crops`` keeps each photo's
    teach crop across draws (it depends only on the photo and ``whole``)."""
    how = "whole photos" if whole else "the located box (default)"
    print(f"  taught from {how}:")
    paths, names, labels, images = photos
    rng = np.random.default_rng(seed)
    counts = dict(taught=0, right=0, taught_wrong=0, untaught=0, unsure=0)
    for _ in range(draws):
        taught, enrol, query = open_split(rng, labels, n_held, k)
        with tempfile.TemporaryDirectory() as tmp, Library(Path(tmp) / "lib.sqlite3") as lib:
            for i in enrol:
                if (i, whole) not in crops:
                    crops[i, whole] = teach_crop(rec, images[i], whole_image=whole)
                example = example_from_crop(crops[i, whole], str(paths[i]))
                lib.teach(names[labels[i]], [example], model=key)
            matcher = open_matcher(lib, rec)  # as the app opens it: views, then the index
            for i in query:
                figs = rec.identify(images[i], matcher=matcher).figurines
                known = [f.best.id for f in figs if f.decision == "known" and f.best]
                if int(labels[i]) in taught:
                    counts["taught"] += 1
                    counts["right"] += names[labels[i]] in known
                    counts["taught_wrong"] += any(n != names[labels[i]] for n in known)
                else:
                    counts["untaught"] += 1
                    counts["unsure"] += not known
    result = dict(taught_right=counts["right"] / counts["taught"],
                  taught_also_wrong=counts["taught_wrong"] / counts["taught"],
                  untaught_unsure=counts["unsure"] / counts["untaught"])
    print(f"    taught figures named right and known {100 * result['taught_right']:5.1f}% (a "
          f"wrong name also known: {100 * result['taught_also_wrong']:.1f}%); untaught "
          f"figures -> not sure {100 * result['untaught_unsure']:5.1f}%")
    return result


def median_ms(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def enrol_timing(rec, key: str, data: Path, repeat: int):
    print("\n== Enrolling one photo (decode + locate/embed + thumbnail + SQLite commit) ==")
    photos = sorted(data.glob("*/*.jpg"))[:repeat]
    out = {}
    for mode, whole in (("default", False), ("whole_photo", True)):
        with tempfile.TemporaryDirectory() as tmp, Library(Path(tmp) / "lib.sqlite3") as lib:
            parts = {"decode": [], "embed": [], "store": [], "views": []}
            for i, photo in enumerate(photos):
                t0 = time.perf_counter()
                rgb = load_image(photo, max_side=2048).rgb
                t1 = time.perf_counter()
                crop = teach_crop(rec, rgb, whole_image=whole)
                example = example_from_crop(crop, str(photo))
                t2 = time.perf_counter()
                lib.teach(f"figure {i % 5}", [example], model=key)
                t3 = time.perf_counter()
                add_missing_views(lib, rec, key)  # the extra view, from the stored thumbnail
                t4 = time.perf_counter()
                parts["decode"].append(t1 - t0)
                parts["embed"].append(t2 - t1)
                parts["store"].append(t3 - t2)
                parts["views"].append(t4 - t3)
        med = {k: 1000 * statistics.median(v) for k, v in parts.items()}
        total = sum(med.values())
        label = ("as taught by default (locate; the top-ranked box)"
                 if not whole else '"photos show only the figure" (whole photo, no locating)')
        print(f"  {label}:\n    median {total:.1f} ms per photo (decode {med['decode']:.1f}, "
              f"locate/embed + thumbnail {med['embed']:.1f}, store {med['store']:.1f}, extra "
              f"view {med['views']:.1f}) over {len(photos)} photos; target <= 100 ms")
        out[mode] = med
    return out


def matcher_overhead(rec, key: str, data: Path, emb: np.ndarray, repeat: int,
                     figures: int = 1000):
    print(f"\n== Recognition time with {figures} taught figures vs none ==")
    rng = np.random.default_rng(0)
    photos = sorted(data.glob("*/*.jpg"))[::12][:4]
    images = [load_image(p, max_side=2048).rgb for p in photos]
    with tempfile.TemporaryDirectory() as tmp, Library(Path(tmp) / "lib.sqlite3") as lib:
        from fmf_desktop.library import NewExample

        d = emb.shape[1]
        for f in range(figures):  # 5 examples each, near real embeddings (realistic sims)
            base = emb[rng.integers(len(emb))] + 0.3 * rng.normal(size=d) / math.sqrt(d)
            vecs = base + 0.2 * rng.normal(size=(5, d)) / math.sqrt(d)
            lib.teach(f"taught {f}", [NewExample(v.astype(np.float32)) for v in vecs],
                      model=key)
        # And each photo's extra view, as the app stores it: 10,000 rows in all.
        table = lib.embedding_table(key)
        lib.set_views([
            (int(example_id), vec + 0.1 * rng.normal(size=(1, d)) / math.sqrt(d))
            for example_id, vec in zip(table.example, table.matrix, strict=True)
        ])
        matcher = LibraryMatcher(lib, key, rec.embedding_size)
        t0 = time.perf_counter()
        matcher.index()
        build_ms = (time.perf_counter() - t0) * 1000
        with Library(Path(tmp) / "one.sqlite3") as one_lib:
            one_lib.teach("taught 0", [NewExample(v) for v in table.matrix[:5]], model=key)
            one = LibraryMatcher(one_lib, key, rec.embedding_size)
            for img in images:  # warm-up
                rec.identify(img, matcher=matcher)
                rec.identify(img, matcher=one)
            times: dict[str, list[float]] = {"none": [], "one": [], "many": []}
            for _ in range(repeat):  # interleaved so machine load hits all equally
                for img in images:
                    for name, m in (("none", None), ("one", one), ("many", matcher)):
                        t0 = time.perf_counter()
                        rec.identify(img, matcher=m)
                        times[name].append(time.perf_counter() - t0)
        q = emb[:64]
        match_ms = median_ms(lambda: [matcher.match(v) for v in q], 5) / len(q)
    a, o, b = (1000 * statistics.median(times[k]) for k in ("none", "one", "many"))
    print(f"  identify median {a:.1f} ms without a library, {o:.1f} ms with 1 figure, {b:.1f} "
          f"ms with {figures} figures ({5 * figures} photos + views): ratio {b / a:.3f} to none "
          f"(target <= 1.2), {b / o:.3f} to one figure; one match() {match_ms:.2f} ms; index "
          f"build {build_ms:.0f} ms (once per library change)")
    print("  (with any taught figure, a photo whose located boxes name none of them gets a "
          "second look at the whole photo: one more inference, as on these LEGO photos)")
    return dict(without_ms=a, one_figure_ms=o, with_ms=b, ratio=b / a, ratio_to_one=b / o,
                match_ms=match_ms, build_ms=build_ms)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--draws", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--skip-timing", action="store_true")
    ap.add_argument("--app-draws", type=int, default=5,
                    help="draws through the app's default path (slow: real teaching)")
    ap.add_argument("--no-views", action="store_true",
                    help="enrol photos without their extra views (to see what views add)")
    ap.add_argument("--model", type=Path, default=None, help="default: assets/model.tflite")
    ap.add_argument("--labels", type=Path, default=None, help="default: assets/labels.json")
    ap.add_argument("--scale", type=float, default=0.0,
                    help="use this calibration scale instead of the fitted one")
    args = ap.parse_args()
    global SCALE_OVERRIDE
    SCALE_OVERRIDE = args.scale
    if not args.data.is_dir():
        print(f"no data at {args.data}")
        return 1
    rec = Recognizer(args.model, args.labels, num_threads=2)
    if rec.is_stand_in:
        print("WARNING: assets/labels.json says stand_in: the model has random weights, "
              "so these numbers are meaningless.")
    t0 = time.perf_counter()
    names, labels, photos, views, probs = embed_all(rec, args.data)
    # Each enrolled photo: itself and its extra views, as the app stores it; --no-views
    # shows what the views add.
    emb = photos if args.no_views else np.concatenate([photos[:, None], views], axis=1)
    key = model_key(rec.model_path)  # hashes the whole model file: once
    print(f"{len(labels)} photos of {len(names)} figures embedded (D={emb.shape[-1]}) "
          f"in {time.perf_counter() - t0:.1f} s; model {key}")
    report: dict[str, object] = {"model": key, "views": not args.no_views,
                                 "stand_in": rec.is_stand_in, "draws": args.draws}
    duplicated = filed_under_two_figures(photo_paths(args.data), labels)
    subsets = {"as_given": np.ones(len(labels), bool)}
    if duplicated.any():
        twins = sorted({names[i] for i in labels[duplicated]})
        print(f"\nNOTE: {int(duplicated.sum())} photos are byte-identical copies filed under "
              f"two figures ({', '.join(twins)}): no method can tell those apart. Results "
              "follow for all photos as given, then for the distinguishable figures with "
              "those photos dropped.")
        subsets["distinguishable"] = ~duplicated
    report["photos_filed_under_two_figures"] = int(duplicated.sum())
    for subset, keep in subsets.items():
        print(f"\n######## {subset.replace('_', ' ')}: {int(keep.sum())} photos of "
              f"{len(np.unique(labels[keep]))} figures ########")
        e, p, lab = emb[keep], probs[keep], labels[keep]
        closed = closed_set(rec, names, lab, e, p, args.draws, args.seed)
        report[subset] = {
            "closed_set": {f"{m}/k={k}": dict(top1=float(np.mean(a)), merged=float(np.mean(b)))
                           for (m, k), (a, b) in closed.items()},
            "open_set": open_set(rec, names, lab, e, p, args.draws, args.seed),
        }
    app_keep = subsets.get("distinguishable", subsets["as_given"])
    print(f"\n== Through the app: teach 5 photos each with teach_crop, drop the rest on it "
          f"(boxes located, second look); 3 figures held out, {args.app_draws} draws ==")
    photos_kept, teach_crops = app_photos(args.data, app_keep), {}
    report["app_path"] = {
        mode: app_path(rec, key, photos_kept, teach_crops, args.app_draws, args.seed, whole)
        for mode, whole in (("default", False), ("whole_photo", True))
    }
    report["app_path"]["draws"] = args.app_draws
    if not args.skip_timing:
        report["enrol_ms"] = enrol_timing(rec, key, args.data, max(args.repeat * 2, 10))
        report["overhead"] = matcher_overhead(rec, key, args.data, photos, args.repeat)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "fewshot.json").write_text(json.dumps(report, indent=1))
    print(f"\nwritten {OUT / 'fewshot.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
