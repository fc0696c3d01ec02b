"""Build test clips: dev-data faces on a "shelf" of real photos, filmed by a panning camera.

The clip is written into a temporary folder (never into the repository) with
`cv2.VideoWriter` as MJPG in an .avi container, which every OpenCV build can read back.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from fmf_desktop.results import Box


@dataclass(frozen=True)
class ShelfFigurine:
    id: str  # class id = folder name in holoen-faces
    face: Path
    x: int  # position on the panorama (left edge), pixels
    y: int
    size: int


@dataclass(frozen=True)
class ShelfClip:
    path: Path
    width: int
    height: int
    fps: float
    frames: int
    figurines: tuple[ShelfFigurine, ...]
    offsets: tuple[int, ...]  # camera's left edge on the panorama, per frame

    def boxes_at(self, index: int) -> list[tuple[str, Box]]:
        """Figurines fully inside frame `index`, with their box in frame pixels."""
        off = self.offsets[index]
        out = []
        for f in self.figurines:
            x = f.x - off
            if x >= 0 and x + f.size <= self.width:
                out.append((f.id, Box(x, f.y, f.size, f.size)))
        return out


def _background(lego_dir: Path, width: int, height: int, seed: int,
                dim: float = 0.5) -> np.ndarray:
    """Real photos side by side, scaled to the shelf height (BGR)."""
    photos = sorted(p for p in lego_dir.rglob("*") if p.suffix.lower() in {".jpg", ".png"})
    rng = np.random.default_rng(seed)
    tiles: list[np.ndarray] = []
    total = 0
    for idx in rng.permutation(len(photos)):
        img = cv2.imread(str(photos[idx]))
        if img is None:
            continue
        h, w = img.shape[:2]
        tile = cv2.resize(img, (max(1, round(w * height / h)), height),
                          interpolation=cv2.INTER_LINEAR)
        tiles.append(tile)
        total += tile.shape[1]
        if total >= width:
            break
    pano = np.concatenate(tiles, axis=1)[:, :width]
    if pano.shape[1] < width:  # not enough photos: mirror-repeat
        reps = -(-width // pano.shape[1])
        pano = np.concatenate([pano, pano[:, ::-1]] * reps, axis=1)[:, :width]
    # A dim shelf: the photos at half brightness, so the figurines (lit, in front) stand
    # out the way they do on a real shelf, instead of blending into a bright wall.
    pano = (pano * dim).astype(np.uint8)
    # A shelf board along the bottom, like the figurines stand on one.
    board = int(height * 0.12)
    pano[height - board:] = (pano[height - board:] * 0.35 + np.array([40, 70, 110]) * 0.65)
    return np.ascontiguousarray(pano)


def make_shelf_clip(
    out_path: Path,
    holoen_dir: Path,
    lego_dir: Path,
    faces: Sequence[tuple[str, Path]],
    *,
    width: int = 640,
    height: int = 360,
    fps: float = 15.0,
    seconds: float = 3.0,
    face_frac: float = 0.34,
    pan_frac: float = 0.25,
    seed: int = 0,
) -> ShelfClip:
    """A clip of `faces` (class id, face image) standing on a shelf, panned left to right
    by `pan_frac` of the frame width over `seconds`.  Faces are spread so that each stays
    fully in view for the whole clip when `pan_frac` is small enough."""
    n_frames = max(2, round(seconds * fps))
    pan = round(width * pan_frac)
    pano_w = width + pan
    bg = _background(lego_dir, pano_w, height, seed)
    size = round(height * face_frac)
    n = len(faces)
    # Evenly spaced inside the region every frame sees: [pan, width) on the panorama.
    usable = width - pan
    gap = (usable - n * size) / (n + 1)
    if gap < 4:
        raise ValueError(f"{n} faces of {size}px do not fit in a {width}px frame panned "
                         f"by {pan}px")
    rng = np.random.default_rng(seed)
    figs = []
    for i, (cid, face_path) in enumerate(faces):
        face = cv2.imread(str(face_path))
        if face is None:
            raise FileNotFoundError(face_path)
        face = cv2.resize(face, (size, size), interpolation=cv2.INTER_AREA)
        x = round(pan + gap + i * (size + gap))
        board_top = height - int(height * 0.12)
        y = int(max(4, board_top - size - rng.integers(0, max(1, height // 10))))
        bg[y:y + size, x:x + size] = face
        figs.append(ShelfFigurine(cid, face_path, x, y, size))
    offsets = tuple(round(pan * i / (n_frames - 1)) for i in range(n_frames))
    writer = cv2.VideoWriter(str(out_path), cv2.VideoWriter_fourcc(*"MJPG"), fps,
                             (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {out_path}")
    try:
        for off in offsets:
            # OpenCV's writer wants a contiguous frame of exactly the declared size.
            frame = np.ascontiguousarray(bg[:, off:off + width])
            assert frame.shape == (height, width, 3), frame.shape
            writer.write(frame)
    finally:
        writer.release()
    return ShelfClip(out_path, width, height, fps, n_frames, tuple(figs), offsets)


def pick_faces(holoen_dir: Path, ids: Sequence[str], per_id: int = 1) -> list[tuple[str, Path]]:
    """The first `per_id` face crops of each character (sorted names: deterministic)."""
    out = []
    for cid in ids:
        files = sorted((holoen_dir / cid).glob("*.jpg"))[:per_id]
        if not files:
            raise FileNotFoundError(f"no faces for {cid} in {holoen_dir}")
        out += [(cid, f) for f in files]
    return out


def pick_recognisable_faces(holoen_dir: Path, ids: Sequence[str], recognizer,
                            candidates: int = 8,
                            lego_dir: Path | None = None) -> list[tuple[str, Path]]:
    """For each character, the face among its first `candidates` crops that the model
    names correctly with the highest score (the first crop if none is).

    With `lego_dir`, each face is judged the way live mode sees it: standing on the dim
    shelf background, cropped with some of that background around it.  Live-mode tests
    then check what live mode adds (locating in motion, tracking, smoothing), not the
    model's accuracy on one arbitrary fan-art crop."""
    size = 122
    context = None
    if lego_dir is not None:
        side = round(size * 1.5)
        context = _background(lego_dir, side, side, seed=0)
    out = []
    for cid in ids:
        files = sorted((holoen_dir / cid).glob("*.jpg"))[:candidates]
        if not files:
            raise FileNotFoundError(f"no faces for {cid} in {holoen_dir}")
        best, best_score = files[0], -1.0
        for f in files:
            bgr = cv2.imread(str(f))
            if context is not None:
                patch = context.copy()
                off = (patch.shape[0] - size) // 2
                patch[off:off + size, off:off + size] = cv2.resize(
                    bgr, (size, size), interpolation=cv2.INTER_AREA)
                bgr = patch
            probs, _ = recognizer.classify_crops([cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)])[0]
            top = int(np.argmax(probs))
            if recognizer.classes[top].id == cid and probs[top] > best_score:
                best, best_score = f, float(probs[top])
        out.append((cid, best))
    return out


def figurine_centred_on(figurines, box: Box):
    """The tracked figurine whose box is centred inside ``box`` (locators draw head boxes
    of varying size around a face, so IoU alone would be too strict)."""
    inside = [f for f in figurines
              if box.x <= f.box.x + f.box.w / 2 <= box.x + box.w
              and box.y <= f.box.y + f.box.h / 2 <= box.y + box.h]
    return max(inside, key=lambda f: f.box.iou(box), default=None)


def figurines_by_character(updates, clip: ShelfClip) -> dict[str, list]:
    """For each character in the clip, the live figurine matched to it in each update."""
    seen: dict[str, list] = defaultdict(list)
    for update in updates:
        for cid, box in clip.boxes_at(update.frame_index):
            fig = figurine_centred_on(update.figurines, box)
            if fig is not None:
                seen[cid].append(fig)
    return seen


def assert_tracked_without_flicker(updates, clip: ShelfClip, characters) -> dict[str, list]:
    """Each character is found in (nearly) every update while the camera pans past it,
    mostly by one track (a locator that boxes the face and the whole head in turn can
    split it for a few updates), and no track's name changes more than once while it is
    in view. Returns the live figurines matched to each character."""
    seen = figurines_by_character(updates, clip)
    for cid in characters:
        figs = seen[cid]
        misses = len(updates) - len(figs)
        assert misses <= max(1, 0.2 * len(updates)), f"{cid} missed in {misses} updates"
        tracks = Counter(f.track for f in figs)
        _, count = tracks.most_common(1)[0]
        assert count >= 0.5 * len(figs), f"{cid} jumped between tracks: {tracks}"
        for t in tracks:
            names = [f.name for f in figs if f.track == t and f.name is not None]
            changes = sum(1 for a, b in zip(names, names[1:], strict=False) if a != b)
            assert changes <= 1, f"{cid}'s label flickered on track {t}: {names}"
    return seen
