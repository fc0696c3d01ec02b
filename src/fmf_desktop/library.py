"""The user's taught figures: names plus example embeddings and thumbnails, in SQLite.

Teaching needs no retraining: each example is the bundled model's L2-normalised
embedding of a crop, and ``matching.LibraryMatcher`` compares new crops against them.
Embeddings only make sense for the model that produced them, so every example records a
model key; when the bundled model changes, ``stale_examples`` + ``set_embedding`` let the
caller re-embed from the stored thumbnail instead of losing what the user taught.

Storage rules (see ``storage.py``): WAL, one transaction per change, versioned schema.
Every failure surfaces as ``LibraryError`` with a message for the user; callers keep
recognising with the bundled model when the library is unavailable.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import lzma
import sqlite3
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .results import CharacterInfo
from .storage import Database, StorageError, explain, utc_now, write_then_replace
from .wording import count_noun

LIBRARY_FILENAME = "library.sqlite3"
EXPORT_FORMAT = "fmf-library"
EXPORT_VERSION = 1
MAX_NAME = 200
EXPORT_TEMP_PREFIX = ".fmf-export-"  # the export is written here first, then renamed
THUMBNAIL_SIZE = 256  # px, longest side; big enough to re-embed at the model's 224 input

# Append-only: never edit a released step; add a new one. Index i upgrades version i -> i+1.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: figures and their examples
        """CREATE TABLE figures (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            franchise TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL)""",
        """CREATE TABLE examples (
            id INTEGER PRIMARY KEY,
            figure_id INTEGER NOT NULL REFERENCES figures(id) ON DELETE CASCADE,
            embedding BLOB NOT NULL,
            thumbnail BLOB,
            source TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL)""",
        "CREATE INDEX examples_by_figure ON examples(figure_id)",
    ),
    (  # 2: which model made each embedding, and a digest to merge imports without dupes
        "ALTER TABLE examples ADD COLUMN model TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE examples ADD COLUMN digest TEXT NOT NULL DEFAULT ''",
        "UPDATE examples SET digest = 'legacy-' || id WHERE digest = ''",
        "CREATE UNIQUE INDEX examples_unique ON examples(figure_id, digest)",
    ),
    (  # 3: extra views of each example (see teaching.extra_views), made by its model;
        # NULL until computed from the thumbnail, empty when they can't be
        "ALTER TABLE examples ADD COLUMN views BLOB",
    ),
)


class LibraryError(StorageError):
    """The library could not be opened, read or changed (message is user-facing)."""


@dataclass(frozen=True)
class TaughtFigure:
    id: int
    name: str
    franchise: str
    created: str
    examples: int = 0

    @property
    def character(self) -> CharacterInfo:
        # Contract (issue 5): a taught figure's id in results and JSON is its name.
        return CharacterInfo(id=self.name, name=self.name, franchise=self.franchise, taught=True)


@dataclass(frozen=True)
class Example:
    id: int
    figure_id: int
    source: str
    created: str
    model: str
    thumbnail: bytes | None


@dataclass(frozen=True)
class NewExample:
    """One crop to store: its embedding, an optional JPEG thumbnail and where it came from."""

    embedding: np.ndarray
    thumbnail: bytes | None = None
    source: str = ""
    # Extra views' embeddings ((V, D), same model), when already known (an import);
    # otherwise they are made later from the thumbnail (teaching.add_missing_views).
    views: np.ndarray | None = None


@dataclass(frozen=True)
class EmbeddingTable:
    """A snapshot of all usable examples: row i of ``matrix`` belongs to ``figures[owner[i]]``."""

    figures: tuple[TaughtFigure, ...]
    owner: np.ndarray  # (N,) int32
    matrix: np.ndarray  # (N, D) float32, rows L2-normalised
    # (N,) the example (photo) each row comes from: an example's extra views share its
    # id. None: every row is its own photo.
    example: np.ndarray | None = None


@dataclass(frozen=True)
class ImportReport:
    figures_added: int = 0
    figures_merged: int = 0
    examples_added: int = 0
    examples_skipped: int = 0  # already in the library
    # Examples that could not be used (damaged, empty, or of another size than the rest
    # of their model's embeddings) and were left out.
    examples_unusable: int = 0
    # Figures left out: no valid name, or not one usable photo.
    figures_skipped: int = 0
    # Examples added although their thumbnail was missing from the file: they match as
    # they are, but cannot be re-embedded when the app's model changes.
    examples_without_thumbnail: int = 0

    def summary(self) -> str:
        text = (
            f"{count_noun(self.figures_added, 'new figure')}, {self.figures_merged} merged, "
            f"{count_noun(self.examples_added, 'example')} added, "
            f"{self.examples_skipped} already present"
        )
        if self.examples_unusable:
            text += f", {count_noun(self.examples_unusable, 'damaged example')} skipped"
        if self.figures_skipped:
            text += (
                f", {count_noun(self.figures_skipped, 'figure')} skipped (no valid name or no "
                "usable photo)"
            )
        if self.examples_without_thumbnail:
            text += (
                f", {count_noun(self.examples_without_thumbnail, 'example')} without a "
                "picture (missing from the file: these still match, but cannot be "
                "updated when the app's model changes)"
            )
        return text


@dataclass(frozen=True)
class ImportedExample:
    """One example as read from an export file."""

    embedding: np.ndarray | None  # None: damaged
    thumbnail: bytes | None
    model: str
    source: str
    created: str | None
    views: np.ndarray | None
    # The file names a thumbnail it does not contain (or one that cannot be read).
    thumbnail_missing: bool = False


def default_library_path() -> Path:
    from .paths import app_data_dir  # imported late: paths may pull in QtCore

    try:
        folder = Path(app_data_dir())  # creates the folder, which can fail
    except OSError as exc:
        where = Path(str(exc.filename or "(app data folder)"))
        raise LibraryError(explain(exc, "create the figure library folder", where)) from exc
    return folder / LIBRARY_FILENAME


def make_thumbnail(rgb: np.ndarray, size: int = THUMBNAIL_SIZE) -> bytes:
    """A JPEG of an RGB crop, longest side at most ``size``."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB")
    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def decode_thumbnail(data: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def _is_invisible(char: str) -> bool:
    # Whitespace and format characters (zero-width space, direction marks ...).
    return char.isspace() or unicodedata.category(char) == "Cf"


def _tidy_text(text: str) -> str:
    """NFC, single spaces, no invisible characters at either end.

    NFC: the same name typed on another system ("Renée" as e + combining accent) must
    not become a second, identical-looking figure.
    """
    tidy = " ".join(unicodedata.normalize("NFC", str(text)).split())
    start, end = 0, len(tidy)
    while start < end and _is_invisible(tidy[start]):
        start += 1
    while end > start and _is_invisible(tidy[end - 1]):
        end -= 1
    return tidy[start:end]


def clean_name(name: str) -> str:
    """``name`` as it is stored (see ``_tidy_text``); raises ``LibraryError`` with a
    message for the user when it cannot be a figure's name."""
    cleaned = _tidy_text(name)
    if not cleaned:
        raise LibraryError("A figure needs a name.")
    if any(unicodedata.category(char) == "Cc" for char in cleaned):
        raise LibraryError(
            "A figure name cannot contain control characters (invisible codes such as "
            "NUL or escape); type the name again."
        )
    if len(cleaned) > MAX_NAME:
        raise LibraryError(f"A figure name can be at most {MAX_NAME} characters long.")
    return cleaned


# SQLite's NOCASE folds ASCII letters only; figure names compare the same way here.
_ASCII_LOWER = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
)


def _name_key(name: str) -> str:
    """What makes two names the same figure: their NFC form, ignoring ASCII case like
    the ``name`` column does. NFC here, not only when storing: names stored before they
    were normalised may be decomposed, and must still be found."""
    return unicodedata.normalize("NFC", name).translate(_ASCII_LOWER)


def _named(rows: Iterable[Sequence], name: str) -> Sequence | None:
    """The first of ``rows`` (with the figure's name second) that names ``name``."""
    key = _name_key(name)
    return next((row for row in rows if _name_key(row[1]) == key), None)


def _clean_franchise(franchise: str) -> str:
    # Optional and free-form: invisible control codes are dropped rather than refused.
    return "".join(c for c in _tidy_text(franchise) if unicodedata.category(c) != "Cc")


def _export_version(value: object) -> float:
    """The export's format version; a file without one predates versioning (0).

    Accepts "2.0" as well as 2, so a newer file says "newer version", not "not an export".
    Raises ValueError/TypeError for anything else.
    """
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"bad export version {value!r}")
    return float(value)


def _embedding_of(entry: dict) -> np.ndarray | None:
    """An exported example's embedding, or None when it is damaged."""
    try:
        data = base64.b64decode(entry["embedding"], validate=True)
    except (KeyError, TypeError, ValueError):
        return None
    return np.frombuffer(data, np.float32) if data and len(data) % 4 == 0 else None


def _normalise(embedding: np.ndarray) -> np.ndarray:
    vec = np.asarray(embedding, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(vec))
    if vec.size == 0 or not np.isfinite(norm) or norm == 0.0:
        raise LibraryError("This crop has no usable embedding; try another photo.")
    return vec / norm


def _digest(vec: np.ndarray, model: str) -> str:
    # Rounded so the same crop embedded twice (or exported and re-imported) dedupes even
    # if float noise differs in the last bits.
    quantised = np.round(vec * 4096).astype(np.int16).tobytes()
    return hashlib.sha1(model.encode() + b"\0" + quantised).hexdigest()


def _views_of(entry: dict) -> np.ndarray | None:
    """An exported example's extra views; anything unreadable is dropped (they are only
    a cache: the app makes them again from the thumbnail)."""
    try:
        data = base64.b64decode(entry["views"], validate=True)
        return np.frombuffer(data, np.float32) if len(data) % 4 == 0 else None
    except (KeyError, TypeError, ValueError):
        return None


def _imported_example(zf: zipfile.ZipFile, entry: dict) -> ImportedExample:
    """One example's JSON entry in an export, with its thumbnail from the zip.

    A thumbnail the file names but lacks (or that is damaged) costs that example its
    picture, not the whole import: its embedding still matches, and the report says so.
    """
    thumbnail, missing = None, False
    if entry.get("thumbnail"):
        try:
            thumbnail = zf.read(entry["thumbnail"])
        except (KeyError, zipfile.BadZipFile, zlib.error):
            missing = True
    return ImportedExample(
        embedding=_embedding_of(entry),
        thumbnail=thumbnail,
        model=str(entry.get("model", "")),
        source=str(entry.get("source", "")),
        created=str(entry.get("created") or "") or None,
        views=_views_of(entry),
        thumbnail_missing=missing,
    )


class Library:
    """Taught figures stored in one SQLite file. Use as a context manager or ``close()``."""

    def __init__(self, path: str | Path) -> None:
        self._db = Database(path, MIGRATIONS, LibraryError, "figure library")

    @classmethod
    def open_default(cls) -> Library:
        return cls(default_library_path())

    @property
    def path(self) -> Path:
        return self._db.path

    @property
    def read_only(self) -> bool:
        """True when the file could only be opened for reading (read-only folder or
        file): taught figures still match, and every change raises ``LibraryError``."""
        return self._db.read_only

    @property
    def schema_version(self) -> int:
        return self._db.schema_version

    @property
    def revision(self) -> tuple[int, int]:
        """Changes whenever the library changes (here or in another process)."""
        return self._db.revision

    def integrity_ok(self) -> bool:
        return self._db.integrity_ok()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------
    _FIGURE_SQL = """SELECT f.id, f.name, f.franchise, f.created, COUNT(e.id) AS n
        FROM figures f LEFT JOIN examples e ON e.figure_id = f.id"""

    @staticmethod
    def _figure(row: sqlite3.Row) -> TaughtFigure:
        return TaughtFigure(row[0], row[1], row[2], row[3], int(row[4]))

    def figures(self) -> list[TaughtFigure]:
        rows = self._db.query(self._FIGURE_SQL + " GROUP BY f.id ORDER BY f.name COLLATE NOCASE")
        return [self._figure(r) for r in rows]

    def count(self) -> int:
        """How many figures are taught: cheap enough for the GUI thread, unlike
        ``figures()``, which groups every example."""
        return int(self._db.query("SELECT COUNT(*) FROM figures")[0][0])

    def figure(self, figure_id: int) -> TaughtFigure | None:
        rows = self._db.query(self._FIGURE_SQL + " WHERE f.id = ? GROUP BY f.id", (figure_id,))
        return self._figure(rows[0]) if rows else None

    def find(self, name: str) -> TaughtFigure | None:
        found = _named(self._db.query("SELECT id, name FROM figures"), _tidy_text(name))
        return self.figure(int(found[0])) if found else None

    def examples(self, figure_id: int) -> list[Example]:
        rows = self._db.query(
            "SELECT id, figure_id, source, created, model, thumbnail FROM examples "
            "WHERE figure_id = ? ORDER BY id",
            (figure_id,),
        )
        return [Example(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

    def cover_thumbnails(self) -> dict[int, bytes]:
        """The first example's thumbnail of every figure (one query, for list icons)."""
        rows = self._db.query(
            "SELECT e.figure_id, e.thumbnail FROM examples e JOIN ("
            " SELECT figure_id, MIN(id) AS first FROM examples"
            " WHERE thumbnail IS NOT NULL GROUP BY figure_id) f ON e.id = f.first"
        )
        return {int(r[0]): bytes(r[1]) for r in rows}

    def embedding_table(self, model: str, dim: int | None = None) -> EmbeddingTable:
        """All examples embedded by ``model`` (and of size ``dim`` when given), each
        followed by its extra views.

        Without ``dim``, the size most of ``model``'s examples share is used; examples of
        any other size (e.g. from a damaged import) are left out, never a reason to fail.
        """
        figures = self.figures()
        pos = {f.id: i for i, f in enumerate(figures)}
        rows = self._db.query(
            "SELECT figure_id, id, embedding, views FROM examples WHERE model = ?"
            " ORDER BY figure_id, id",
            (model,),
        )
        if dim is None:
            sizes = Counter(len(row[2]) // 4 for row in rows if len(row[2]) % 4 == 0)
            dim = sizes.most_common(1)[0][0] if sizes else 0
        owners: list[int] = []
        example_ids: list[int] = []
        vectors: list[np.ndarray] = []
        for figure_id, example_id, blob, views_blob in rows:
            if len(blob) != dim * 4 or figure_id not in pos or dim == 0:
                continue
            vec = np.frombuffer(blob, dtype=np.float32)
            views = np.frombuffer(views_blob or b"", dtype=np.float32)
            if views.size % vec.size:
                views = views[:0]  # not views of this embedding: ignore them
            block = np.vstack([vec, views.reshape(-1, vec.size)])
            owners += [pos[figure_id]] * len(block)
            example_ids += [int(example_id)] * len(block)
            vectors.append(block)
        matrix = np.vstack(vectors) if vectors else np.zeros((0, dim), np.float32)
        return EmbeddingTable(
            tuple(figures),
            np.asarray(owners, np.int32),
            matrix,
            np.asarray(example_ids, np.int64),
        )

    def examples_without_views(self, model: str) -> list[tuple[int, bytes]]:
        """(example id, thumbnail) of ``model``'s examples whose extra views are missing."""
        return self._thumbnails("model = ? AND views IS NULL", model)

    def _thumbnails(self, where: str, model: str) -> list[tuple[int, bytes]]:
        """(example id, thumbnail) of the examples matching ``where`` (one ``?``: model)."""
        rows = self._db.query(
            f"SELECT id, thumbnail FROM examples WHERE {where} AND thumbnail IS NOT NULL",
            (model,),
        )
        return [(int(r[0]), bytes(r[1])) for r in rows]

    def stale_example_count(self, model: str) -> int:
        """How many examples ``stale_examples`` would return, without reading thumbnails."""
        rows = self._db.query(
            "SELECT COUNT(*) FROM examples WHERE model != ? AND thumbnail IS NOT NULL",
            (model,),
        )
        return int(rows[0][0])

    def stale_examples(self, model: str) -> list[tuple[int, bytes]]:
        """(example id, thumbnail) of examples embedded by another model, to re-embed."""
        return self._thumbnails("model != ?", model)

    # -- changing -----------------------------------------------------------------------
    def teach(
        self,
        name: str,
        examples: Sequence[NewExample],
        *,
        franchise: str = "",
        model: str = "",
    ) -> TaughtFigure:
        """Add examples to the figure called ``name`` (created if new), all or nothing."""
        name = clean_name(name)
        franchise = _clean_franchise(franchise)
        if not examples:
            raise LibraryError(f"Add at least one photo to teach {name!r}.")
        prepared = [(_normalise(e.embedding), e) for e in examples]
        with self._db.transaction() as conn:
            found = _named(conn.execute("SELECT id, name, franchise FROM figures"), name)
            if found is None:
                figure_id = conn.execute(
                    "INSERT INTO figures(name, franchise, created) VALUES (?, ?, ?)",
                    (name, franchise, utc_now()),
                ).lastrowid
            else:
                figure_id = int(found[0])
                if franchise and not found[2]:
                    conn.execute(
                        "UPDATE figures SET franchise = ? WHERE id = ?", (franchise, figure_id)
                    )
            for vec, ex in prepared:
                self._insert_example(conn, int(figure_id), vec, ex, model)
        figure = self.figure(int(figure_id))
        assert figure is not None
        return figure

    def add_examples(
        self, figure_id: int, examples: Sequence[NewExample], *, model: str = ""
    ) -> int:
        """Add examples to an existing figure; returns how many were new."""
        prepared = [(_normalise(e.embedding), e) for e in examples]
        with self._db.transaction() as conn:
            self._require(conn, figure_id)
            return sum(self._insert_example(conn, figure_id, v, e, model) for v, e in prepared)

    @staticmethod
    def _insert_example(
        conn: sqlite3.Connection,
        figure_id: int,
        vec: np.ndarray,
        ex: NewExample,
        model: str,
        created: str | None = None,
    ) -> int:
        views = None
        if ex.views is not None:
            flat = np.asarray(ex.views, np.float32).reshape(-1)
            if flat.size % vec.size == 0:  # else: not views of this embedding; remade later
                views = flat.tobytes()
        cur = conn.execute(
            "INSERT OR IGNORE INTO examples(figure_id, embedding, thumbnail, source, created,"
            " model, digest, views) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                figure_id,
                vec.astype(np.float32).tobytes(),
                ex.thumbnail,
                ex.source,
                created or utc_now(),
                model,
                _digest(vec, model),
                views,
            ),
        )
        return cur.rowcount

    @staticmethod
    def _require(conn: sqlite3.Connection, figure_id: int) -> None:
        if conn.execute("SELECT 1 FROM figures WHERE id = ?", (figure_id,)).fetchone() is None:
            raise LibraryError("That figure is no longer in the library.")

    def edit(
        self, figure_id: int, *, name: str | None = None, franchise: str | None = None
    ) -> TaughtFigure:
        """Rename and/or change the franchise of a figure."""
        with self._db.transaction() as conn:
            self._require(conn, figure_id)
            if name is not None:
                name = clean_name(name)
                clash = _named(
                    conn.execute("SELECT id, name FROM figures WHERE id != ?", (figure_id,)),
                    name,
                )
                if clash is not None:
                    raise LibraryError(
                        f"A figure named {name!r} already exists; pick another name."
                    )
                conn.execute("UPDATE figures SET name = ? WHERE id = ?", (name, figure_id))
            if franchise is not None:
                conn.execute(
                    "UPDATE figures SET franchise = ? WHERE id = ?",
                    (_clean_franchise(franchise), figure_id),
                )
        figure = self.figure(figure_id)
        assert figure is not None
        return figure

    def rename(self, figure_id: int, name: str) -> TaughtFigure:
        return self.edit(figure_id, name=name)

    def delete_figure(self, figure_id: int) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM figures WHERE id = ?", (figure_id,))

    def delete_example(self, example_id: int) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM examples WHERE id = ?", (example_id,))

    def set_embeddings(self, updates: Iterable[tuple[int, np.ndarray]], model: str) -> None:
        """Replace embeddings (e.g. re-embedded for a new model) in one transaction."""
        prepared = [(example_id, _normalise(vec)) for example_id, vec in updates]
        with self._db.transaction() as conn:
            for example_id, vec in prepared:
                # OR REPLACE: if the new digest equals a sibling's, the two were duplicates.
                # The old model's views go too; they are recomputed for the new one.
                conn.execute(
                    "UPDATE OR REPLACE examples SET embedding = ?, model = ?, digest = ?, "
                    "views = NULL WHERE id = ?",
                    (vec.tobytes(), model, _digest(vec, model), example_id),
                )

    def set_views(self, updates: Iterable[tuple[int, np.ndarray]]) -> None:
        """Store extra views ((V, D) each, V may be 0) of examples, in one transaction."""
        prepared = [
            (np.asarray(views, np.float32).reshape(-1).tobytes(), example_id)
            for example_id, views in updates
        ]
        with self._db.transaction() as conn:
            conn.executemany("UPDATE examples SET views = ? WHERE id = ?", prepared)

    # -- one-file export / merge-on-import ----------------------------------------------
    def export(self, path: str | Path) -> int:
        """Write the whole library to one zip file; returns the number of figures."""
        path = Path(path)
        self._db.refuse_as_export_target(path, "export the figure library to")
        figures = self.figures()
        doc: dict[str, object] = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported": utc_now(),
            "figures": [],
        }
        thumbs: dict[str, bytes] = {}
        for fig in figures:
            rows = self._db.query(
                "SELECT id, embedding, thumbnail, source, created, model, views FROM examples "
                "WHERE figure_id = ? ORDER BY id",
                (fig.id,),
            )
            examples = []
            for ex_id, blob, thumb, source, created, model, views in rows:
                entry: dict[str, object] = {
                    "embedding": base64.b64encode(bytes(blob)).decode("ascii"),
                    "source": source,
                    "created": created,
                    "model": model,
                    "thumbnail": None,
                }
                if views is not None:  # saves remaking them on the other computer
                    entry["views"] = base64.b64encode(bytes(views)).decode("ascii")
                if thumb is not None:
                    name = f"thumbnails/{ex_id}.jpg"
                    thumbs[name] = bytes(thumb)
                    entry["thumbnail"] = name
                examples.append(entry)
            doc["figures"].append(  # type: ignore[union-attr]
                {
                    "name": fig.name,
                    "franchise": fig.franchise,
                    "created": fig.created,
                    "examples": examples,
                }
            )
        try:
            with (
                write_then_replace(path, EXPORT_TEMP_PREFIX) as fh,
                zipfile.ZipFile(fh, "w") as zf,
            ):
                zf.writestr("library.json", json.dumps(doc, ensure_ascii=False, indent=1))
                for name, data in thumbs.items():
                    zf.writestr(name, data, compress_type=zipfile.ZIP_STORED)
        except OSError as exc:
            raise LibraryError(explain(exc, "export the figure library to", path)) from exc
        return len(figures)

    def import_file(self, path: str | Path) -> ImportReport:
        """Merge an exported library: same-named figures gain the new examples.

        Figures without a valid name or without one usable photo are skipped, and so
        are damaged examples; the report counts both.
        """
        path = Path(path)
        figures = self._read_export(path)
        added = merged = ex_added = ex_present = ex_unusable = figures_skipped = 0
        without_thumbnail = 0
        with self._db.transaction("import into the") as conn:
            sizes = self._embedding_sizes(conn, figures)
            # The figures by name key, read once (not per imported figure) and kept up to
            # date as this import adds or changes them; the first of a key wins, as in
            # ``_named``.
            existing: dict[str, list] = {}
            for row in conn.execute("SELECT id, name, franchise FROM figures"):
                existing.setdefault(_name_key(row[1]), list(row))
            for fig, examples in figures:
                usable: list[tuple[np.ndarray, ImportedExample]] = []
                for ex in examples:
                    try:
                        unit = _normalise(ex.embedding) if ex.embedding is not None else None
                    except LibraryError:
                        unit = None
                    if unit is None or unit.size != sizes.get(ex.model):
                        ex_unusable += 1
                        continue
                    usable.append((unit, ex))
                try:
                    name = clean_name(fig["name"]) if isinstance(fig.get("name"), str) else ""
                except LibraryError:
                    name = ""
                if not name or not usable:
                    figures_skipped += 1  # a figure with no name or no photo is no use
                    continue
                franchise = _clean_franchise(str(fig.get("franchise") or ""))
                found = existing.get(_name_key(name))
                if found is None:
                    figure_id = conn.execute(
                        "INSERT INTO figures(name, franchise, created) VALUES (?, ?, ?)",
                        (name, franchise, str(fig.get("created") or utc_now())),
                    ).lastrowid
                    existing[_name_key(name)] = [figure_id, name, franchise]
                    added += 1
                else:
                    figure_id = found[0]
                    merged += 1
                    if franchise and not found[2]:
                        conn.execute(
                            "UPDATE figures SET franchise = ? WHERE id = ?", (franchise, figure_id)
                        )
                        found[2] = franchise
                for unit, ex in usable:
                    new = NewExample(unit, ex.thumbnail, ex.source, ex.views)
                    n = self._insert_example(
                        conn, int(figure_id), unit, new, ex.model, created=ex.created
                    )
                    ex_added += n
                    ex_present += 1 - n
                    if n and ex.thumbnail_missing:
                        without_thumbnail += 1
        return ImportReport(added, merged, ex_added, ex_present, ex_unusable, figures_skipped,
                            without_thumbnail)

    @staticmethod
    def _read_export(path: Path) -> list[tuple[dict, list[ImportedExample]]]:
        """The figures of an export file and their examples, read and decoded."""
        bad = LibraryError(
            f"{path} is not a Find My Figurine library export, or the file is damaged."
        )
        try:
            with zipfile.ZipFile(path) as zf:
                doc = json.loads(zf.read("library.json").decode("utf-8"))
                if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
                    raise bad
                if _export_version(doc.get("version")) > EXPORT_VERSION:
                    raise LibraryError(
                        f"{path} was exported by a newer version of Find My Figurine; "
                        "update the app to import it."
                    )
                figures = [
                    (fig, [_imported_example(zf, entry) for entry in fig.get("examples") or []])
                    for fig in doc["figures"]
                ]
        except FileNotFoundError as exc:
            raise LibraryError(f"{path} does not exist.") from exc
        except OSError as exc:
            raise LibraryError(explain(exc, "read", path)) from exc
        # zlib/lzma errors and EOFError: damaged compressed data; RuntimeError: encrypted
        # members and RecursionError (absurdly nested JSON); NotImplementedError: an
        # unknown compression method; the rest: a document of the wrong shape.
        except (
            zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError,
            RuntimeError, NotImplementedError, KeyError, ValueError, TypeError, AttributeError,
        ) as exc:
            raise bad from exc
        return figures

    @staticmethod
    def _embedding_sizes(
        conn: sqlite3.Connection, figures: list[tuple[dict, list[ImportedExample]]]
    ) -> dict[str, int]:
        """The one embedding size allowed for each model in an import.

        Every example of a model must have the same size or matching fails: the size the
        library already holds for the model wins, else the size most of the imported
        examples share.
        """
        counts: dict[str, Counter[int]] = {}
        for _, examples in figures:
            for ex in examples:
                if ex.embedding is not None:
                    counts.setdefault(ex.model, Counter())[ex.embedding.size] += 1
        sizes = {}
        for model, sizes_seen in counts.items():
            held = conn.execute(
                "SELECT length(embedding) / 4 FROM examples WHERE model = ?"
                " GROUP BY length(embedding) ORDER BY COUNT(*) DESC LIMIT 1",
                (model,),
            ).fetchone()
            sizes[model] = int(held[0]) if held else sizes_seen.most_common(1)[0][0]
        return sizes
